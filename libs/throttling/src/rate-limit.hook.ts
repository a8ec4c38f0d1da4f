import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode } from '@app/common';
import { AppConfig } from '@app/config';
import { MetricsService } from '@app/metrics';
import { CredentialResolver, bearerToken } from '@app/tenancy';
import { DailyQuotaService } from './daily-quota.service';
import { FairScheduler } from './fair-scheduler';
import { RateLimitService } from './rate-limit.service';
import { routeClassOf, type RouteClass } from './route-class';
import { TenantLimitsService, type QuotaKind } from './tenant-limits.service';

/** Route classes whose requests are expensive enough to be scheduled fairly between tenants. */
const SCHEDULED: readonly RouteClass[] = ['query', 'search', 'embed'];

/**
 * Enforces the per-tenant rate limits in a Fastify onRequest hook: after routing, before the body is read,
 * parsed or validated, so a rejected request costs a cached key lookup and (at most) one Redis call.
 * Accepted expensive requests then wait for a fair-share slot of this process (FairScheduler).
 * Requests without a valid credential pass through to the AuthGuard, which answers 401.
 */
@Injectable()
export class RateLimitHook {
  private readonly schedulers = new Map<RouteClass, FairScheduler>();
  private readonly rejectDelayMaxMs: number;

  constructor(
    config: AppConfig,
    adapterHost: HttpAdapterHost,
    private readonly credentials: CredentialResolver,
    private readonly limits: TenantLimitsService,
    private readonly rates: RateLimitService,
    private readonly metrics: MetricsService,
    private readonly quotas: DailyQuotaService,
  ) {
    const { total, perTenant, queuePerTenant } = config.rateLimits.concurrency;
    for (const cls of SCHEDULED)
      this.schedulers.set(cls, new FairScheduler(total, perTenant, queuePerTenant));
    this.rejectDelayMaxMs = config.rateLimits.rejectDelayMaxMs;
    // Registered while the app is built, before Nest mounts its middleware (request context, request logger)
    // at init: a refused request skips them. Worker processes have no Fastify instance and skip this.
    const instance = adapterHost.httpAdapter?.getInstance<FastifyInstance | undefined>();
    if (typeof instance?.addHook !== 'function') return;
    instance.addHook('onRequest', (request, reply) => this.check(request, reply));
    // Quotas count questions and texts, which are only known once the body is parsed.
    instance.addHook('preHandler', (request, reply) => this.checkQuota(request, reply));
  }

  private async checkQuota(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const demand = quotaDemand(request.routeOptions.url, request.body);
    if (!demand) return;
    let tenantId: string | undefined;
    try {
      tenantId = (await this.credentials.resolve(bearerToken(request))).tenantId;
    } catch {
      return;
    }
    if (!tenantId) return;
    const decision = await this.quotas.consume(tenantId, demand.kind, demand.amount);
    if (decision.allowed) return;
    this.metrics.recordThrottled(routeClassOf(request.routeOptions.url) ?? 'query', tenantId);
    const retryAfterS = Math.max(1, Math.ceil((Date.parse(decision.resetsAt) - Date.now()) / 1000));
    await this.refuse(
      request,
      reply,
      retryAfterS,
      `Daily quota of ${decision.limit} ${demand.kind === 'questions' ? 'questions' : 'embedded texts'} reached (${decision.used} used, ${demand.amount} asked); it resets at ${decision.resetsAt}`,
      { quota: demand.kind, limit: decision.limit, used: decision.used, resetsAt: decision.resetsAt },
    );
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
    if (limit > 0 && !(await this.limit(request, reply, routeClass, tenantId, limit))) return;
    await this.schedule(request, reply, routeClass, tenantId);
  }

  /** Counts the request against its tenant's limit; false when it was refused (the 429 is sent). */
  private async limit(
    request: FastifyRequest,
    reply: FastifyReply,
    routeClass: RouteClass,
    tenantId: string | undefined,
    limit: number,
  ): Promise<boolean> {
    const windowS = this.limits.windowS;
    const decision = await this.rates.consume(routeClass, tenantId ?? 'admin', limit, windowS);
    // A refused request is answered when its window is about to reset (at most rejectDelayMaxMs): a client that
    // retries at once, ignoring Retry-After, then costs one cheap response per window instead of a busy loop.
    const delayMs = decision.allowed ? 0 : Math.min(decision.resetMs, this.rejectDelayMaxMs);
    if (delayMs > 0) await sleep(delayMs);
    const resetS = Math.max(1, Math.ceil((decision.resetMs - delayMs) / 1000));
    void reply.headers({
      'ratelimit-limit': decision.limit,
      'ratelimit-remaining': decision.remaining,
      'ratelimit-reset': resetS,
      'ratelimit-policy': `${decision.limit};w=${windowS}`,
    });
    if (decision.allowed) return true;
    this.metrics.recordThrottled(routeClass, tenantId);
    await this.refuse(
      request,
      reply,
      resetS,
      `Rate limit of ${decision.limit} ${routeClass} requests per ${windowS} s reached; retry after ${resetS} s`,
      { routeClass, limit: decision.limit, windowS, retryAfterS: resetS },
    );
    return false;
  }

  /** Waits for a fair-share slot, held until the response is sent or the connection closes. */
  private async schedule(
    request: FastifyRequest,
    reply: FastifyReply,
    routeClass: RouteClass,
    tenantId: string | undefined,
  ): Promise<void> {
    const scheduler = this.schedulers.get(routeClass);
    if (!scheduler) return;
    const ticket = scheduler.acquire(tenantId ?? 'admin');
    if (!ticket) {
      this.metrics.recordThrottled(routeClass, tenantId);
      await this.refuse(
        request,
        reply,
        1,
        `Too many ${routeClass} requests waiting for this tenant (${scheduler.maxQueuedPerTenant}); retry after 1 s`,
        { routeClass, waiting: scheduler.maxQueuedPerTenant, retryAfterS: 1 },
      );
      return;
    }
    const slot: { release?: () => void; closed: boolean } = { closed: false };
    reply.raw.once('close', () => {
      slot.closed = true;
      slot.release?.();
    });
    const waited = ticket.queued ? this.metrics.recordQueued(routeClass, tenantId) : undefined;
    slot.release = await ticket.ready;
    waited?.();
    if (slot.closed) slot.release();
  }

  private async refuse(
    request: FastifyRequest,
    reply: FastifyReply,
    retryAfterS: number,
    message: string,
    details: Record<string, unknown>,
  ): Promise<void> {
    await reply
      .code(429)
      .header('retry-after', retryAfterS)
      .send({ error: { code: ErrorCode.RATE_LIMITED, message, details }, requestId: request.id });
  }
}

/** What a request draws from a daily quota: questions asked, or texts embedded (invalid bodies count one). */
function quotaDemand(
  route: string | undefined,
  body: unknown,
): { kind: QuotaKind; amount: number } | undefined {
  const field = (name: string) => {
    const value = (body as Record<string, unknown> | null | undefined)?.[name];
    return Array.isArray(value) && value.length > 0 ? value.length : 1;
  };
  if (route === '/v1/ai/query') return { kind: 'questions', amount: 1 };
  if (route === '/v1/ai/query/batch') return { kind: 'questions', amount: field('questions') };
  if (route === '/v1/ai/embed') return { kind: 'embeddedTexts', amount: field('texts') };
  return undefined;
}
