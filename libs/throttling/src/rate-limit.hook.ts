import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode } from '@app/common';
import { CredentialResolver, bearerToken } from '@app/tenancy';
import { RateLimitService } from './rate-limit.service';
import { routeClassOf } from './route-class';
import { TenantLimitsService } from './tenant-limits.service';
import { ThrottlingMetrics } from './throttling.metrics';

/**
 * Enforces the per-tenant rate limits in a Fastify onRequest hook: after routing, before the body is read,
 * parsed or validated, so a rejected request costs a cached key lookup and (at most) one Redis call.
 * Requests without a valid credential pass through to the AuthGuard, which answers 401.
 */
@Injectable()
export class RateLimitHook implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly credentials: CredentialResolver,
    private readonly limits: TenantLimitsService,
    private readonly rates: RateLimitService,
    private readonly metrics: ThrottlingMetrics,
  ) {}

  onModuleInit(): void {
    const instance = this.adapterHost.httpAdapter?.getInstance<FastifyInstance | undefined>();
    if (typeof instance?.addHook !== 'function') return;
    instance.addHook('onRequest', (request, reply) => this.check(request, reply));
  }

  private async check(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const routeClass = routeClassOf(request.routeOptions.url);
    if (!routeClass) return;
    let tenantId: string | undefined;
    try {
      const caller = await this.credentials.resolve(bearerToken(request));
      tenantId = caller.tenantId;
    } catch {
      return;
    }
    const limit = (await this.limits.limitsFor(tenantId))[routeClass];
    if (limit <= 0) return;
    const windowS = this.limits.windowS;
    const decision = await this.rates.consume(routeClass, tenantId ?? 'admin', limit, windowS);
    const resetS = Math.max(1, Math.ceil(decision.resetMs / 1000));
    void reply.headers({
      'ratelimit-limit': decision.limit,
      'ratelimit-remaining': decision.remaining,
      'ratelimit-reset': resetS,
      'ratelimit-policy': `${decision.limit};w=${windowS}`,
    });
    if (decision.allowed) return;
    this.metrics.throttled(routeClass, tenantId);
    await reply
      .code(429)
      .header('retry-after', resetS)
      .send({
        error: {
          code: ErrorCode.RATE_LIMITED,
          message: `Rate limit of ${decision.limit} ${routeClass} requests per ${windowS} s reached; retry after ${resetS} s`,
          details: { routeClass, limit: decision.limit, windowS, retryAfterS: resetS },
        },
        requestId: request.id,
      });
  }
}
