import { Injectable, Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { AppConfig } from '@app/config';
import { RedisService } from '@app/database';
import type { IndexedQuestion, SimilarQuestion } from './cache.types';
import { sameStructure, type QuestionFingerprint } from './question-fingerprint';

/** Questions kept per tenant and model version; a brute-force scan of this many 512-d vectors takes ~1 ms. */
const MAX_PER_TENANT = 2000;
/** How stale a pod's copy of a tenant's index may get before it re-reads Redis (other pods' answers). */
const REFRESH_MS = 5000;

interface StoredQuestion {
  q: string;
  fp: QuestionFingerprint;
  v: string | null;
  m: string | null;
  at: number;
}

interface TenantIndex {
  loadedAt: number;
  entries: Map<string, IndexedQuestion>;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

const encode = (v: Float32Array | null) =>
  v ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') : null;

function decode(s: string | null): Float32Array | null {
  if (!s) return null;
  const buf = Buffer.from(s, 'base64');
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

/**
 * The semantic answer cache's index: per tenant (and semantic model version), the cached questions with their
 * fingerprints and embeddings. A new question may reuse a cached answer when the planner read both the same way
 * with confidence (same plan), or when their embeddings are within the threshold AND their fingerprints agree on
 * numbers, names, time window and recognised meaning. Never across tenants: every structure is per tenant.
 */
@Injectable()
export class SemanticAnswerIndex {
  private readonly logger = new Logger(SemanticAnswerIndex.name);
  private readonly tenants = new LRUCache<string, TenantIndex>({ max: 1000 });
  private readonly ttlS: number;

  constructor(
    config: AppConfig,
    private readonly redis: RedisService,
  ) {
    this.ttlS = config.query.cacheTtlS;
  }

  /** The cached answer of a question the planner read into exactly this plan. */
  async findByPlan(tenantId: string, modelVersion: string, signature: string): Promise<string | null> {
    const index = await this.load(tenantId, modelVersion);
    let best: IndexedQuestion | null = null;
    for (const e of index.entries.values()) {
      if (e.fingerprint.planSignature === signature && (!best || e.at > best.at)) best = e;
    }
    return best?.key ?? null;
  }

  /** The closest cached question at or above `threshold` whose fingerprint agrees, if any. */
  async findSimilar(
    tenantId: string,
    modelVersion: string,
    query: { vector: Float32Array; model: string; fingerprint: QuestionFingerprint },
    threshold: number,
  ): Promise<SimilarQuestion | null> {
    const index = await this.load(tenantId, modelVersion);
    let best: SimilarQuestion | null = null;
    for (const e of index.entries.values()) {
      if (!e.vector || e.embeddingModel !== query.model || e.vector.length !== query.vector.length) continue;
      const similarity = dot(e.vector, query.vector);
      if (similarity < threshold || (best && similarity <= best.similarity)) continue;
      if (!sameStructure(e.fingerprint, query.fingerprint)) continue;
      best = { key: e.key, question: e.question, similarity };
    }
    return best;
  }

  async add(tenantId: string, modelVersion: string, item: IndexedQuestion): Promise<void> {
    const index = await this.load(tenantId, modelVersion);
    index.entries.delete(item.key);
    index.entries.set(item.key, item);
    const evicted: string[] = [];
    for (const key of index.entries.keys()) {
      if (index.entries.size <= MAX_PER_TENANT) break;
      index.entries.delete(key);
      evicted.push(key);
    }
    const stored: StoredQuestion = {
      q: item.question,
      fp: item.fingerprint,
      v: encode(item.vector),
      m: item.embeddingModel,
      at: item.at,
    };
    const redisKey = this.redisKey(tenantId, modelVersion);
    try {
      const p = this.redis.client.multi().hset(redisKey, item.key, JSON.stringify(stored));
      if (evicted.length > 0) p.hdel(redisKey, ...evicted);
      await p.expire(redisKey, Math.max(1, this.ttlS)).exec();
    } catch (err) {
      this.logger.warn(`Semantic index write failed: ${String(err)}`);
    }
  }

  private async load(tenantId: string, modelVersion: string): Promise<TenantIndex> {
    const id = `${tenantId}\0${modelVersion}`;
    const local = this.tenants.get(id);
    if (local && Date.now() - local.loadedAt < REFRESH_MS) return local;
    const index: TenantIndex = local ?? { loadedAt: 0, entries: new Map() };
    index.loadedAt = Date.now();
    this.tenants.set(id, index);
    try {
      const all = await this.redis.client.hgetall(this.redisKey(tenantId, modelVersion));
      const loaded = Object.entries(all)
        .map(([key, raw]) => {
          const s = JSON.parse(raw) as StoredQuestion;
          const entry: IndexedQuestion = {
            key,
            question: s.q,
            fingerprint: s.fp,
            vector: decode(s.v),
            embeddingModel: s.m,
            at: s.at,
          };
          return entry;
        })
        .filter((e) => e.key.startsWith(`${tenantId}:`))
        .sort((a, b) => a.at - b.at);
      for (const e of loaded) {
        const mine = index.entries.get(e.key);
        if (!mine || mine.at < e.at || (!mine.vector && e.vector)) {
          index.entries.delete(e.key);
          index.entries.set(e.key, e);
        }
      }
    } catch (err) {
      this.logger.warn(`Semantic index read failed: ${String(err)}`);
    }
    return index;
  }

  private redisKey(tenantId: string, modelVersion: string): string {
    return this.redis.key('ai', 'semantic-index', tenantId, modelVersion);
  }
}
