import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { AppConfig } from '@app/config';
import { RedisService } from '@app/database';
import type { CachedAnswer } from './cache.types';

const L1_MAX_ENTRIES = 10_000;
const L1_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Answers by exact key, in an in-process LRU (L1) in front of Redis (L2, shared by every pod). Keys always start
 * with the tenant id, and an entry whose tenant differs from the key's is never returned. Redis failures make a
 * miss (or a write that is skipped), never an error: the question is then answered from the database.
 */
@Injectable()
export class AnswerCache {
  private readonly logger = new Logger(AnswerCache.name);
  private readonly l1: LRUCache<string, CachedAnswer>;
  private readonly ttlS: number;

  constructor(
    config: AppConfig,
    private readonly redis: RedisService,
  ) {
    this.ttlS = config.query.cacheTtlS;
    this.l1 = new LRUCache<string, CachedAnswer>({
      max: L1_MAX_ENTRIES,
      maxSize: L1_MAX_BYTES,
      // Rows dominate; a rough size keeps one huge answer from evicting thousands of small ones.
      sizeCalculation: (a) => 256 + a.sourceSql.length + a.sql.length + a.rowCount * a.columns.length * 16,
      ttl: Math.max(1, this.ttlS) * 1000,
    });
  }

  get enabled(): boolean {
    return this.ttlS > 0;
  }

  /**
   * The key of a question's answer: tenant, semantic model version, normalised text and the time context (the
   * resolved window, or the day), so a relative window is never served after it rolls.
   */
  keyOf(tenantId: string, modelVersion: string, normalizedQuestion: string, timeKey: string): string {
    const hash = createHash('sha256')
      .update(modelVersion)
      .update('\0')
      .update(timeKey)
      .update('\0')
      .update(normalizedQuestion)
      .digest('base64url');
    return `${tenantId}:${hash}`;
  }

  async get(tenantId: string, key: string): Promise<CachedAnswer | undefined> {
    if (!this.enabled || !key.startsWith(`${tenantId}:`)) return undefined;
    const local = this.l1.get(key);
    if (local) return local.tenantId === tenantId ? local : undefined;
    try {
      const raw = await this.redis.client.get(this.redisKey(key));
      if (!raw) return undefined;
      const entry = JSON.parse(raw) as CachedAnswer;
      if (entry.tenantId !== tenantId) return undefined;
      const ttlMs = await this.redis.client.pttl(this.redisKey(key));
      this.l1.set(key, entry, ttlMs > 0 ? { ttl: ttlMs } : {});
      return entry;
    } catch (err) {
      this.logger.warn(`Answer cache read failed: ${String(err)}`);
      return undefined;
    }
  }

  async set(key: string, entry: CachedAnswer): Promise<void> {
    if (!this.enabled || !key.startsWith(`${entry.tenantId}:`)) return;
    this.l1.set(key, entry);
    try {
      await this.redis.client.set(this.redisKey(key), JSON.stringify(entry), 'EX', this.ttlS);
    } catch (err) {
      this.logger.warn(`Answer cache write failed: ${String(err)}`);
    }
  }

  private redisKey(key: string): string {
    return this.redis.key('ai', 'answer', key);
  }
}
