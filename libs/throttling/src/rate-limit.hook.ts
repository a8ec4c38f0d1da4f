import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode } from '@app/common';
import { AppConfig } from '@app/config';
import { MetricsService } from '@app/metrics';
import { CredentialResolver } from '@app/tenancy';
import { DailyQuotaService } from './daily-quota.service';
import { FairShareService, type FairShareClass } from './fair-share.service';
import { RateLimitService } from './rate-limit.service';
import { routeClassOf, type RouteClass } from './route-class';
import { TenantLimitsService, type QuotaKind } from './tenant-limits.service';
import { ThrottlingException } from './throttling.exception';

/**
 * Route classes whose whole request is admitted fairly between tenants here; a question is admitted by the answer
 * path, for the work a cached answer does not need (FairShareService).
 */
const admittedHere = (cls: RouteClass): cls is Exclude<FairShareClass, 'query'> =>
  cls === 'search' || cls === 'embed';

/** What a request hook is handed to go on (Fastify's `done`). */
type HookDone = (err?: Error) => void;

/** The part of Nest's FastifyAdapter used here: its own first request hook, ahead of Nest middleware. */
export interface FirstRequestHookHost {
  setOnRequestHook(hook: (request: FastifyRequest, reply: FastifyReply, done: HookDone) => void): void;
}

/**
 * Enforces the per-tenant rate limits in the first request hook: after routing, before the request log starts
 * and before the body is read, parsed or validated, so a rejected request costs a cached key lookup, at most one
 * Redis call and no log line. Accepted searches and embeds then wait for a fair-share slot of this process
 * (FairShareService). Requests without a valid credential pass through to the AuthGuard, which answers 401.
 */
@Injectable()
export class RateLimitHook {
  private readonly rejectDelayMaxMs: number;
  /** Refused requests being held before their 429, per route class and tenant. */
  private readonly held = new Map<string, number>();
  private withHeaders: (request: FastifyRequest, reply: FastifyReply) => void = () => undefined;

  constructor(
    config: AppConfig,
    adapterHost: HttpAdapterHost,
    private readonly credentials: CredentialResolver,
    private readonly limits: TenantLimitsService,
    private readonly rates: RateLimitService,
    private readonly metrics: MetricsService,
    private readonly quotas: DailyQuotaService,
    private readonly fairShare: FairShareService,
  ) {
    this.rejectDelayMaxMs = config.rateLimits.rejectDelayMaxMs;
    // Worker processes have no Fastify instance and skip this.
    const instance = adapterHost.httpAdapter?.getInstance<FastifyInstance | undefined>();
    if (typeof instance?.addHook !== 'function') return;
    // Quotas count questions and texts, which are only known once the body is parsed.
    instance.addHook('preHandler', (request, reply) => this.checkQuota(request, reply));
  }

  /**
   * Puts the limits in the adapter's first request hook. Nest registers its middleware (as a Fastify plugin)
   * before any provider exists, so a hook added from here would run after it. `withHeaders` adds what every
   * response carries (the security headers, whose own hook comes later) to a refusal sent this early.
   */
  install(
    adapter: FirstRequestHookHost,
    withHeaders: (request: FastifyRequest, reply: FastifyReply) => void,
  ): void {
    this.withHeaders = withHeaders;
    adapter.setOnRequestHook((request, reply, done) => {
      this.check(request, reply).then(
        () => {
          if (!reply.sent) done();
        },
        (err: unknown) => done(err instanceof Error ? err : new Error(String(err))),
      );
    });
  }

  private async checkQuota(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const demand = quotaDemand(request.routeOptions.url, request.body);
    if (!demand) return;
    let tenantId: string | undefined;
    try {
      tenantId = (await this.credentials.resolveRequest(request)).tenantId;
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
      const caller = await this.credentials.resolveRequest(request);
      tenantId = caller.tenantId;
    } catch {
      return;
    }
    const limit = (await this.limits.limitsFor(tenantId))[routeClass];
    if (limit > 0 && !(await this.limit(request, reply, routeClass, tenantId, limit))) return;
    if (admittedHere(routeClass)) await this.schedule(request, reply, routeClass, tenantId);
  }

  /** Takes a token from the tenant's bucket; false when it was refused (the 429 is sent). */
  private async limit(
    request: FastifyRequest,
    reply: FastifyReply,
    routeClass: RouteClass,
    tenantId: string | undefined,
    limit: number,
  ): Promise<boolean> {
    const windowS = this.limits.windowS;
    const decision = await this.rates.consume(routeClass, tenantId ?? 'admin', limit, windowS);
    // A refused request is held before its 429 (at most rejectDelayMaxMs): the first until the bucket's next
    // token, each further one of this tenant one refill interval longer, as if they queued for tokens. A client
    // that retries at once, ignoring Retry-After, then gets about one refusal per refill per connection instead
    // of a busy loop, and a flood's refusals are spread out rather than answered together.
    let delayMs = 0;
    if (!decision.allowed) {
      const heldKey = `${routeClass}:${tenantId ?? 'admin'}`;
      const ahead = this.held.get(heldKey) ?? 0;
      delayMs = Math.min(this.rejectDelayMaxMs, decision.resetMs + (ahead * windowS * 1000) / limit);
      if (delayMs > 0) {
        this.held.set(heldKey, ahead + 1);
        await sleep(delayMs);
        const left = (this.held.get(heldKey) ?? 1) - 1;
        if (left > 0) this.held.set(heldKey, left);
        else this.held.delete(heldKey);
      }
    }
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
    routeClass: FairShareClass,
    tenantId: string | undefined,
  ): Promise<void> {
    const slot: { release?: () => void; closed: boolean } = { closed: false };
    const onClose = () => {
      slot.closed = true;
      slot.release?.();
    };
    reply.raw.once('close', onClose);
    // A client that left while the limits were checked has had its 'close' already: without this its slot
    // would never be released, and after `perTenant` such leaks the tenant's next request would wait forever.
    if (reply.raw.destroyed || request.raw.socket?.destroyed === true) onClose();
    try {
      slot.release = await this.fairShare.admit(routeClass, tenantId);
    } catch (err) {
      if (!(err instanceof ThrottlingException)) throw err;
      const details = err.details as { retryAfterS: number };
      await this.refuse(request, reply, details.retryAfterS, err.message, details);
      return;
    }
    if (slot.closed) slot.release();
  }

  private async refuse(
    request: FastifyRequest,
    reply: FastifyReply,
    retryAfterS: number,
    message: string,
    details: Record<string, unknown>,
  ): Promise<void> {
    this.withHeaders(request, reply);
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
