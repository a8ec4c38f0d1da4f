import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ErrorCode } from '@app/common';
import { TenancyException } from '../tenancy.exception';
import { admitCaller } from '../caller';
import { CredentialResolver } from './credential.resolver';
import { ACCESS_KEY, type Access } from './access.decorator';

/**
 * One guard for every protected route; `@Access(...)` says who may call it. Routes without `@Access`
 * are public (health, metrics, docs).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly credentials: CredentialResolver,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const access = this.reflector.getAllAndOverride<Access | undefined>(ACCESS_KEY, [
      ctx.getHandler(),
      ctx.getClass(),
    ]);
    if (!access) return true;
    const request = ctx.switchToHttp().getRequest<FastifyRequest>();
    const caller = await this.credentials.resolveRequest(request);
    if (access === 'admin' && caller.kind !== 'admin') {
      throw new TenancyException(ErrorCode.FORBIDDEN, 'This route needs the admin token');
    }
    if (access === 'tenant' && caller.kind !== 'tenant') {
      throw new TenancyException(ErrorCode.FORBIDDEN, 'This route needs a tenant API key');
    }
    admitCaller(request, caller);
    return true;
  }
}
