import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ErrorCode } from '@app/common';
import { TenancyException } from './tenancy.exception';

export interface Caller {
  kind: 'tenant' | 'admin';
  tenantId?: string;
  tenantSlug?: string;
  apiKeyId?: string;
}

/**
 * Each admitted request's caller, kept beside the request by the AuthGuard and handed to the handler as a
 * parameter. Not in an async-local store: on Node 20 each such store adds work to every promise the process
 * makes.
 */
const callers = new WeakMap<object, Caller>();

export function admitCaller(request: FastifyRequest, caller: Caller): void {
  callers.set(request.raw, caller);
}

/** The caller the AuthGuard admitted for this request, if any (the request log names its tenant). */
export const admittedCaller = (request: FastifyRequest): Caller | undefined => callers.get(request.raw);

const callerOfContext = (ctx: ExecutionContext): Caller | undefined =>
  admittedCaller(ctx.switchToHttp().getRequest<FastifyRequest>());

/** The caller the AuthGuard admitted (undefined on a public route). */
export const CurrentCaller = createParamDecorator((_: unknown, ctx: ExecutionContext) =>
  callerOfContext(ctx),
);

/** A tenant caller's id; asking it of another caller is a route without `@Access('tenant')`, a bug: 401. */
export function tenantIdOf(caller: Caller | undefined): string {
  const id = caller?.tenantId;
  if (!id) throw new TenancyException(ErrorCode.UNAUTHORIZED, 'A tenant API key is required');
  return id;
}

/** The calling tenant's id, from its bearer key only. */
export const CurrentTenantId = createParamDecorator((_: unknown, ctx: ExecutionContext): string =>
  tenantIdOf(callerOfContext(ctx)),
);
