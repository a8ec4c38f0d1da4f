import { Injectable, Logger } from '@nestjs/common';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { RedisService } from '@app/database';
import type { RouteClass } from './route-class';

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Milliseconds until the window resets (and a rejected caller may try again). */
  resetMs: number;
}

/**
 * Fixed-window counters in Redis (rate-limiter-flexible's atomic INCR+PEXPIRE script), one key per route class
 * and tenant, so every API pod counts against the same budget. After the first rejection in a window a pod
 * remembers the block in memory until the window ends: a flood of rejected requests costs no Redis round trip.
 */
@Injectable()
export class RateLimitService {
  private readonly logger = new Logger(RateLimitService.name);
  /** One limiter per class and limit (a tenant override is a different limit over the same counter keys). */
  private readonly limiters = new Map<string, RateLimiterRedis>();
  private lastStoreError = 0;

  constructor(private readonly redis: RedisService) {}

  async consume(routeClass: RouteClass, key: string, limit: number, windowS: number): Promise<RateDecision> {
    try {
      const res = await this.limiter(routeClass, limit, windowS).consume(key);
      return { allowed: true, limit, remaining: res.remainingPoints, resetMs: res.msBeforeNext };
    } catch (err) {
      if (err instanceof RateLimiterRes) {
        return { allowed: false, limit, remaining: 0, resetMs: err.msBeforeNext };
      }
      // Redis unavailable: serve rather than refuse everyone (the limits protect capacity, not data).
      if (Date.now() - this.lastStoreError > 10_000) {
        this.lastStoreError = Date.now();
        this.logger.warn(
          `Rate limits not enforced, store unavailable: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      return { allowed: true, limit, remaining: limit, resetMs: windowS * 1000 };
    }
  }

  private limiter(routeClass: RouteClass, points: number, duration: number): RateLimiterRedis {
    const id = `${routeClass}:${points}:${duration}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      limiter = new RateLimiterRedis({
        storeClient: this.redis.client,
        keyPrefix: this.redis.key('ratelimit', routeClass, String(duration)),
        points,
        duration,
        inMemoryBlockOnConsumed: points + 1,
      });
      this.limiters.set(id, limiter);
    }
    return limiter;
  }
}
