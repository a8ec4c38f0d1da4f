import { Injectable } from '@nestjs/common';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '@app/config';
import { ErrorCode } from '@app/common';
import { ApiKeyService, type ResolvedKey } from '../api-key.service';
import { TenancyException } from '../tenancy.exception';
import type { Caller } from '../caller';
import { bearerToken } from './bearer';

const tenantCaller = (key: ResolvedKey): Caller => ({
  kind: 'tenant',
  tenantId: key.tenantId,
  tenantSlug: key.tenantSlug,
  apiKeyId: key.keyId,
});

/** Turns a bearer token into a caller: the admin, a tenant, or a 401. */
@Injectable()
export class CredentialResolver {
  private readonly adminDigest: Buffer;
  /** Each request's caller, resolved once: the rate limits, the quota and the guard all ask for it. */
  private readonly byRequest = new WeakMap<object, Promise<Caller>>();

  constructor(
    config: AppConfig,
    private readonly apiKeys: ApiKeyService,
  ) {
    this.adminDigest = createHash('sha256').update(config.auth.adminToken).digest();
  }

  /** The caller of a request, from its bearer token; the same promise for every asker of one request. */
  resolveRequest(request: FastifyRequest): Promise<Caller> {
    let caller = this.byRequest.get(request.raw);
    if (!caller) this.byRequest.set(request.raw, (caller = this.resolve(bearerToken(request))));
    return caller;
  }

  private async resolve(token: string | undefined): Promise<Caller> {
    if (!token) throw new TenancyException(ErrorCode.UNAUTHORIZED, 'Missing bearer token');
    // A tenant key verified moments ago needs no admin check (hashing the token): the admin token is never one
    // of the keys this server generated and stored.
    const verified = this.apiKeys.verifiedKey(token);
    if (verified) return tenantCaller(verified);
    if (this.isAdmin(token)) return { kind: 'admin' };
    return tenantCaller(await this.apiKeys.resolve(token));
  }

  private isAdmin(token: string): boolean {
    return timingSafeEqual(createHash('sha256').update(token).digest(), this.adminDigest);
  }
}
