import { Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { RedisService } from '@app/database';
import type { RouteClass } from './route-class';
import { TOKEN_BUCKET_LUA } from './token-bucket.script';

export interface RateDecision {
  allowed: boolean;
  /** Bucket capacity: the largest burst, refilled at `limit` per window. */
  limit: number;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Milliseconds until the bucket holds one more token (refused: until the request could be allowed). */
  resetMs: number;
}

/**
 * Buckets of at least this many tokens are drawn on LEASE_SHARE of their capacity at a time: one Redis call per
 * lease instead of per request. A lease's unused tokens are lost when it expires (LEASE_MS), so a pod can waste
 * at most that share of a bucket per lease; smaller buckets (every default limit) take one token per request.
 */
export const LEASE_MIN_CAPACITY = 1000;
const LEASE_SHARE = 0.001;
const LEASE_MS = 1000;

/** Tokens a pod took from a bucket ahead of its requests. */
interface Lease {
  left: number;
  /** Tokens left in the bucket when the lease was taken. */
  remaining: number;
  resetMs: number;
  until: number;
}

type TokenBucketCommand = (
  key: string,
  capacity: number,
  periodMs: number,
  cost: number,
) => Promise<number[]>;

/**
 * Per-tenant token buckets in Redis (TOKEN_BUCKET_LUA), one per route class and tenant, so every API pod draws
 * from the same bucket. After a refusal a pod remembers, in memory, when the bucket gets its next token and
 * refuses until then without a Redis round trip: other pods can only take tokens, never add them, so the
 * answer cannot be wrong. A flood of refused requests therefore costs about one Redis call per refill.
 */
@Injectable()
export class RateLimitService {
  private readonly logger = new Logger(RateLimitService.name);
  private readonly bucket: TokenBucketCommand;
  /** Bucket key → when (performance.now()) it next has a token, for buckets last seen empty. */
  private readonly emptyUntil = new LRUCache<string, number>({ max: 100_000 });
  /** Bucket key → the Redis call in flight for it, so requests arriving as an empty bucket refills share it. */
  private readonly inFlight = new Map<string, Promise<RateDecision>>();
  /** Bucket key → tokens this pod took ahead (large buckets only, see LEASE_MIN_CAPACITY). */
  private readonly leases = new LRUCache<string, Lease>({ max: 10_000 });
  /** Bucket key → the lease being taken, which requests arriving meanwhile wait for. */
  private readonly leasing = new Map<string, Promise<void>>();
  /** Bucket key → when (performance.now()) it may hold a whole lease again, for buckets that could not. */
  private readonly noLeaseUntil = new LRUCache<string, number>({ max: 10_000 });
  private lastStoreError = 0;

  constructor(private readonly redis: RedisService) {
    // defineCommand sends the script once and then calls it by its SHA (EVALSHA), re-sending it after a flush.
    const client = redis.client as Redis & { pulseTokenBucket?: TokenBucketCommand };
    if (!client.pulseTokenBucket)
      client.defineCommand('pulseTokenBucket', { numberOfKeys: 1, lua: TOKEN_BUCKET_LUA });
    this.bucket = client.pulseTokenBucket!.bind(client);
  }

  /**
   * Takes one token from the tenant's bucket for `routeClass`: capacity `limit`, refilled at `limit` per
   * `windowS` seconds.
   */
  async consume(routeClass: RouteClass, key: string, limit: number, windowS: number): Promise<RateDecision> {
    const bucketKey = this.redis.key('ratelimit', routeClass, key);
    // The capacity is part of the local key: an override takes effect without waiting for a remembered refusal.
    const localKey = `${bucketKey}:${limit}:${windowS}`;
    if (limit >= LEASE_MIN_CAPACITY) {
      const leased = await this.fromLease(bucketKey, localKey, limit, windowS);
      if (leased) return leased;
    }
    const until = this.emptyUntil.get(localKey);
    if (until !== undefined) {
      const waitMs = Math.ceil(until - performance.now());
      if (waitMs > 0) return { allowed: false, limit, remaining: 0, resetMs: waitMs };
      // Refilled: the first request asks Redis, and those arriving meanwhile wait for its answer; when it was
      // refused (another pod took the token), so are they, still without a round trip of their own.
      const pending = this.inFlight.get(localKey);
      if (pending && !(await pending).allowed) {
        const waitAgainMs = Math.ceil((this.emptyUntil.get(localKey) ?? 0) - performance.now());
        if (waitAgainMs > 0) return { allowed: false, limit, remaining: 0, resetMs: waitAgainMs };
      }
    }
    const call = this.take(bucketKey, localKey, limit, windowS);
    this.inFlight.set(localKey, call);
    try {
      return await call;
    } finally {
      if (this.inFlight.get(localKey) === call) this.inFlight.delete(localKey);
    }
  }

  /**
   * A token from this pod's lease on the bucket, taking a new lease when it is used up or expired; null when the
   * bucket cannot give a whole lease (nearly empty: the caller asks for one token as usual).
   */
  private async fromLease(
    bucketKey: string,
    localKey: string,
    limit: number,
    windowS: number,
  ): Promise<RateDecision | null> {
    for (;;) {
      if ((this.noLeaseUntil.get(localKey) ?? 0) > performance.now()) return null;
      const lease = this.leases.get(localKey);
      if (lease && lease.left > 0 && performance.now() < lease.until) {
        lease.left--;
        return { allowed: true, limit, remaining: lease.remaining + lease.left, resetMs: lease.resetMs };
      }
      const pending = this.leasing.get(localKey);
      if (pending) {
        await pending;
        continue;
      }
      const size = Math.floor(limit * LEASE_SHARE);
      let granted = false;
      const taking = this.bucket(bucketKey, limit, windowS * 1000, size).then(
        ([allowed, remaining, resetMs]) => {
          if (allowed !== 1) {
            this.noLeaseUntil.set(localKey, performance.now() + resetMs);
            return;
          }
          granted = true;
          this.leases.set(localKey, { left: size, remaining, resetMs, until: performance.now() + LEASE_MS });
        },
        () => undefined,
      );
      this.leasing.set(localKey, taking);
      try {
        await taking;
      } finally {
        this.leasing.delete(localKey);
      }
      if (!granted) return null;
    }
  }

  private async take(
    bucketKey: string,
    localKey: string,
    limit: number,
    windowS: number,
  ): Promise<RateDecision> {
    const asked = performance.now();
    try {
      const [allowed, remaining, resetMs] = await this.bucket(bucketKey, limit, windowS * 1000, 1);
      if (allowed) this.emptyUntil.delete(localKey);
      else this.emptyUntil.set(localKey, asked + resetMs);
      return { allowed: allowed === 1, limit, remaining, resetMs };
    } catch (err) {
      // Redis unavailable: serve rather than refuse everyone (the limits protect capacity, not data).
      if (Date.now() - this.lastStoreError > 10_000) {
        this.lastStoreError = Date.now();
        this.logger.warn(
          `Rate limits not enforced, store unavailable: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      return { allowed: true, limit, remaining: limit, resetMs: (windowS * 1000) / limit };
    }
  }
}
