import type { RedisService } from '@app/database';
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

export interface EmbeddingCacheOptions {
  /** Entries kept in process; 0 disables the in-process tier. */
  maxEntries: number;
  /** 0 keeps entries until evicted. */
  ttlSeconds: number;
  /** Redis tier shared by every process; optional. */
  redis?: RedisService;
  /** A slow Redis must not slow embedding down: lookups that take longer count as misses. */
  redisTimeoutMs?: number;
}

export type CacheTier = 'memory' | 'redis';

/**
 * Two-tier cache of unit vectors keyed by model id + sha256(text): an in-process LRU with TTL in front of
 * Redis. Redis errors and timeouts are swallowed (counted), never surfaced: the model can always recompute.
 */
export class EmbeddingCache {
  private readonly memory?: LRUCache<string, Float32Array>;
  private readonly pendingWrites: { key: string; vector: Float32Array }[] = [];
  private flushScheduled = false;
  redisErrors = 0;

  constructor(private readonly options: EmbeddingCacheOptions) {
    if (options.maxEntries > 0) {
      this.memory = new LRUCache<string, Float32Array>({
        max: options.maxEntries,
        ttl: options.ttlSeconds > 0 ? options.ttlSeconds * 1000 : undefined,
        // Expiry is checked on read; no timers keep the process alive.
        ttlAutopurge: false,
      });
    }
  }

  static key(model: string, text: string): string {
    return `${model}:${createHash('sha256').update(text).digest('hex')}`;
  }

  /** Looks up every key; returns the hits by index and which tier answered. */
  async getMany(
    keys: string[],
    dimensions: number,
  ): Promise<Map<number, { vector: Float32Array; tier: CacheTier }>> {
    const found = new Map<number, { vector: Float32Array; tier: CacheTier }>();
    const remote: number[] = [];
    keys.forEach((key, i) => {
      const vector = this.memory?.get(key);
      if (vector) found.set(i, { vector, tier: 'memory' });
      else remote.push(i);
    });
    const redis = this.options.redis;
    if (!redis || remote.length === 0) return found;
    const values = await this.withTimeout(
      redis.client.mgetBuffer(...remote.map((i) => this.redisKey(redis, keys[i]))),
    );
    values?.forEach((buf, j) => {
      // A value of the wrong size (another model version, a truncated write) is a miss.
      if (!buf || buf.byteLength !== dimensions * 4) return;
      const vector = new Float32Array(dimensions);
      new Uint8Array(vector.buffer).set(buf);
      const i = remote[j];
      this.memory?.set(keys[i], vector);
      found.set(i, { vector, tier: 'redis' });
    });
    return found;
  }

  /** Stores in memory at once and in Redis in the background, coalescing writes of the same tick into one pipeline. */
  setMany(entries: { key: string; vector: Float32Array }[]): void {
    for (const { key, vector } of entries) this.memory?.set(key, vector);
    if (!this.options.redis || entries.length === 0) return;
    this.pendingWrites.push(...entries);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushWrites());
    }
  }

  private flushWrites(): void {
    this.flushScheduled = false;
    const redis = this.options.redis!;
    const entries = this.pendingWrites.splice(0);
    const pipeline = redis.client.pipeline();
    for (const { key, vector } of entries) {
      const value = Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
      if (this.options.ttlSeconds > 0)
        pipeline.set(this.redisKey(redis, key), value, 'EX', this.options.ttlSeconds);
      else pipeline.set(this.redisKey(redis, key), value);
    }
    // Without a connection ioredis may resolve with per-command errors instead of rejecting.
    pipeline.exec().then(
      (results) => {
        if (!results || results.some(([err]) => err)) this.redisErrors++;
      },
      () => {
        this.redisErrors++;
      },
    );
  }

  get size(): number {
    return this.memory?.size ?? 0;
  }

  clear(): void {
    this.memory?.clear();
  }

  private redisKey(redis: RedisService, key: string): string {
    return redis.key('emb', key);
  }

  private async withTimeout<T>(work: Promise<T>): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.options.redisTimeoutMs ?? 100);
    });
    // Caught here so a reply that loses the race cannot become an unhandled rejection later.
    const guarded = work.catch(() => 'error' as const);
    try {
      const result = await Promise.race([guarded, timeout]);
      if (result === 'timeout' || result === 'error') {
        this.redisErrors++;
        return undefined;
      }
      return result;
    } finally {
      clearTimeout(timer);
    }
  }
}
