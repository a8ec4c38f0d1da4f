import { Injectable } from '@nestjs/common';
import { ErrorCode } from '@app/common';
import { AppConfig } from '@app/config';
import { MetricsService } from '@app/metrics';
import { FairScheduler } from './fair-scheduler';
import type { RouteClass } from './route-class';
import { ThrottlingException } from './throttling.exception';

/** Route classes whose expensive work is admitted fairly between tenants. */
export type FairShareClass = Extract<RouteClass, 'query' | 'search' | 'embed'>;
const FAIR_SHARE_CLASSES: readonly FairShareClass[] = ['query', 'search', 'embed'];

/**
 * Fair admission of expensive work in this process, one FairScheduler per route class: at most
 * CONCURRENCY_TOTAL at once, CONCURRENCY_PER_TENANT of them for one tenant, waiting tenants served round-robin.
 * Searches and embeds are admitted by the rate-limit hook for their whole request; a question is admitted by the
 * answer path only for the work it needs beyond a cached answer, so cached answers never wait behind their
 * tenant's slow questions and the slots are not held through their round trips.
 */
@Injectable()
export class FairShareService {
  private readonly schedulers = new Map<FairShareClass, FairScheduler>();

  constructor(
    config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    const { total, perTenant, queuePerTenant } = config.rateLimits.concurrency;
    for (const cls of FAIR_SHARE_CLASSES)
      this.schedulers.set(cls, new FairScheduler(total, perTenant, queuePerTenant));
  }

  /**
   * Waits for a slot and resolves with its release (call it exactly when the work ends; later calls are
   * ignored). Throws a 429 ThrottlingException at once when the tenant already has its maximum waiting.
   */
  async admit(routeClass: FairShareClass, tenantId: string | undefined): Promise<() => void> {
    const scheduler = this.schedulers.get(routeClass)!;
    const ticket = scheduler.acquire(tenantId ?? 'admin');
    if (!ticket) {
      this.metrics.recordThrottled(routeClass, tenantId);
      const waiting = scheduler.maxQueuedPerTenant;
      throw new ThrottlingException(
        ErrorCode.RATE_LIMITED,
        `Too many ${routeClass} requests waiting for this tenant (${waiting}); retry after 1 s`,
        { routeClass, waiting, retryAfterS: 1 },
      );
    }
    const waited = ticket.queued ? this.metrics.recordQueued(routeClass, tenantId) : undefined;
    const release = await ticket.ready;
    waited?.();
    return release;
  }

  /** `work` run in a slot of the tenant's, released when it settles. */
  async run<T>(routeClass: FairShareClass, tenantId: string, work: () => Promise<T>): Promise<T> {
    const release = await this.admit(routeClass, tenantId);
    try {
      return await work();
    } finally {
      release();
    }
  }
}
