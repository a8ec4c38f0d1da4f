import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { AppConfig } from '@app/config';
import { RedisService } from '@app/database';
import { dot } from '@app/embedding';
import { SemanticModelService, parseTimeExpressions, type QueryPlan } from '../semantic';
import { numberOfWord } from '../semantic/number-words';
import type { LogicalForm } from '../semantic/parser/logical-form.types';
import type { CachedAnswer, IndexedQuestion, QuestionFingerprint, SimilarQuestion } from './cache.types';
import { DataVersionsRepository } from './data-versions.repository';

const L1_MAX_ENTRIES = 10_000;
const L1_MAX_BYTES = 64 * 1024 * 1024;
/** Questions kept per tenant and model version; a brute-force scan of this many 512-d vectors takes ~1 ms. */
const MAX_PER_TENANT = 2000;
/** Characters of question text whose keys are remembered (`keys`): at most ~8 MB. */
const KEY_MEMO_MAX_CHARS = 4_000_000;
const DAY_MS = 86_400_000;
/** How stale a pod's copy of a tenant's index may get before it re-reads Redis (other pods' answers). */
const REFRESH_MS = 5000;

/** A question's exact-cache key, and its normalised text (the query history's). */
export interface ExactKey {
  key: string;
  normalized: string;
}

export interface AnswerLookup {
  key: string;
  entry: CachedAnswer;
  /** No ETL write touched the entry's tables since its rows were read. */
  fresh: boolean;
}

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

const encode = (v: Float32Array | null) =>
  v ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') : null;

function decode(s: string | null): Float32Array | null {
  if (!s) return null;
  const buf = Buffer.from(s, 'base64');
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

// How questions are matched: the exact key's normalised text, and the fingerprint (cache.types) compared before a
// semantic match is reused. The entry step computes a question's fingerprint with the plan.

/** Lower-cased, unicode-normalised, single-spaced, without trailing punctuation: the exact-cache form. */
export function normalizeQuestionText(question: string): string {
  return question
    .normalize('NFKC')
    .replace(/[’‘`´]/g, "'")
    .replace(/[“”]/g, '"')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[\s.,;:!?¿¡]+|[\s.,;:!?]+$/g, '');
}

function numbersOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\d+(?:\.\d+)?/g)) out.push(String(Number(m[0])));
  for (const m of text.matchAll(/[a-z]+/g)) {
    const n = numberOfWord(m[0]);
    if (n !== undefined) out.push(String(n));
  }
  return out.sort();
}

function identifiersOf(question: string): string[] {
  const out = new Set<string>();
  for (const m of question.matchAll(/"([^"]+)"|'([^']+)'/g)) out.add((m[1] ?? m[2]).trim().toLowerCase());
  for (const m of question.matchAll(/[\p{L}\p{N}_]+(?:[-_/.#][\p{L}\p{N}_]+)+/gu))
    out.add(m[0].toLowerCase());
  return [...out].sort();
}

function stem(word: string): string {
  const w = word.toLowerCase().replace(/'s$/, '');
  if (w.length > 4 && w.endsWith('ies')) return `${w.slice(0, -3)}y`;
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) return w.slice(0, -1);
  return w;
}

function filterKey(f: QueryPlan['filters'][number]): string {
  const values = f.values.map((v) => v.toLowerCase()).sort();
  return `${f.entity}.${f.column}:${f.op}:${values.join(',')}`;
}

/** The part of a plan the question itself asked for (business rules and ranking filters follow from it). */
function understoodOf(plan: QueryPlan): string {
  return JSON.stringify([
    plan.entity,
    plan.measure ? [plan.measure.key, plan.measure.aggregation, plan.measure.percentile] : null,
    plan.filters
      .filter((f) => !f.source.startsWith('rule:') && f.source !== 'ranking')
      .map(filterKey)
      .sort(),
    plan.dimensions.map((d) => `${d.entity}.${d.key}`).sort(),
    plan.grain,
    plan.order,
    plan.rowOrder ?? null,
    plan.limit,
    plan.projection ?? null,
  ]);
}

/** Everything the SQL compiler reads from a plan, so equal signatures mean the same query. */
export function planSignature(plan: QueryPlan): string {
  return JSON.stringify([
    plan.modelVersion,
    plan.entity,
    plan.joins,
    plan.measure
      ? [plan.measure.key, plan.measure.aggregation, plan.measure.percentile, plan.measure.alias]
      : null,
    plan.filters.map((f) => [filterKey(f), f.parameter, f.caseInsensitive]).sort(),
    plan.dimensions.map((d) => `${d.entity}.${d.key}`),
    plan.time ? `${plan.time.entity}.${plan.time.column}` : null,
    plan.window ? [plan.window.start, plan.window.end] : null,
    plan.grain,
    plan.order,
    plan.rowOrder ?? null,
    plan.limit,
    plan.projection ?? null,
  ]);
}

export function fingerprintOf(question: string, plan: QueryPlan): QuestionFingerprint {
  const text = normalizeQuestionText(question);
  return {
    numbers: numbersOf(text),
    identifiers: identifiersOf(question.normalize('NFKC')),
    window: plan.window ? `${plan.window.start ?? ''}|${plan.window.end ?? ''}` : null,
    understood: understoodOf(plan),
    unread: [...new Set(plan.unrecognized.map(stem))].sort(),
    planSignature: plan.answerable ? planSignature(plan) : null,
  };
}

const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Whether a cached answer may stand for a new question whose embedding is close enough: when the planner is
 * confident about both, the same plan; when it is unsure of both, the same numbers, names, time window and
 * recognised meaning; never when it is confident about only one.
 */
export function sameStructure(a: QuestionFingerprint, b: QuestionFingerprint): boolean {
  if (a.planSignature !== null && b.planSignature !== null) return a.planSignature === b.planSignature;
  // One question is fully explained by its plan and the other is not: the other says something more ("... only
  // the ones without reviewers") or in words the planner lacks; the two cannot be told apart, so no reuse.
  if ((a.planSignature === null) !== (b.planSignature === null)) return false;
  return (
    a.window === b.window &&
    a.understood === b.understood &&
    sameList(a.numbers, b.numbers) &&
    sameList(a.identifiers, b.identifiers) &&
    sameList(a.unread, b.unread)
  );
}

/**
 * The semantic cache's decision for a cached question and a new one: the same confident plan, or, when the planner
 * is unsure of both, embeddings within `threshold` and the same fingerprint.
 */
export function reusable(
  cached: QuestionFingerprint,
  asked: QuestionFingerprint,
  cosine: number,
  threshold: number,
): boolean {
  if (cached.planSignature !== null && asked.planSignature !== null)
    return cached.planSignature === asked.planSignature;
  return cosine >= threshold && sameStructure(cached, asked);
}

/**
 * The answer cache, one owner for every way a question finds an earlier answer of its tenant:
 *
 * - exact: by key (tenant, semantic model version, normalised text and time context, so "last week" asked after
 *   the week rolled over is a different question), in an in-process LRU (L1) in front of Redis (L2, shared by
 *   every pod);
 * - semantic: an index per tenant and model version of the cached questions with their fingerprints and
 *   embeddings: the same confident plan, or a close embedding with the same numbers, names, window and meaning;
 * - freshness: each entry keeps the data version of the tables it read; the database bumps a version in the
 *   transaction of every write that changed business rows (whoever wrote them), and the versions are read from
 *   PostgreSQL on every lookup, so the next question after a commit never sees an older one.
 *
 * Keys always start with the tenant id and an entry whose tenant differs from the key's is never returned. Redis
 * failures make a miss (or a skipped write), never an error.
 */
@Injectable()
export class AnswerCacheService {
  private readonly logger = new Logger(AnswerCacheService.name);
  private readonly l1: LRUCache<string, CachedAnswer>;
  private readonly tenants = new LRUCache<string, TenantIndex>({ max: 1000 });
  /**
   * Each tenant's question text → its key, for the UTC day it was computed for: reading a question's time words
   * costs more than the rest of a cached answer. Per tenant, so that even the time a lookup takes says nothing
   * about another tenant's questions.
   */
  private readonly keys = new LRUCache<string, { day: number; key: ExactKey }>({
    maxSize: KEY_MEMO_MAX_CHARS,
    sizeCalculation: (k, memo) => memo.length + k.key.normalized.length,
  });
  private readonly ttlS: number;
  private readonly similarityThreshold: number;

  constructor(
    config: AppConfig,
    private readonly redis: RedisService,
    private readonly versions: DataVersionsRepository,
    private readonly models: SemanticModelService,
  ) {
    this.ttlS = config.query.cacheTtlS;
    this.similarityThreshold = config.query.semanticCacheThreshold;
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
   * The key of a question's answer at `now`. A follow-up's words mean nothing alone: it is keyed by the form it
   * was merged into, never by its text.
   */
  keyOf(tenantId: string, question: string, now: Date, followUp?: LogicalForm): ExactKey {
    if (followUp) {
      const form = createHash('sha256').update(JSON.stringify(followUp)).digest('hex');
      return this.computeKey(tenantId, `follow-up ${form}`, now).key;
    }
    const day = Math.floor(now.getTime() / DAY_MS);
    const memo = `${tenantId}\0${question}`;
    const known = this.keys.get(memo);
    if (known?.day === day) return known.key;
    const { key, sameAllDay } = this.computeKey(tenantId, question, now);
    if (sameAllDay) this.keys.set(memo, { day, key });
    return key;
  }

  /**
   * The key, and whether it holds for the whole UTC day of `now`. Every window is resolved to whole days from the
   * day of `now`, except one that ends (or starts) at `now` itself: "the last 3 hours" reads the clock.
   */
  private computeKey(tenantId: string, text: string, now: Date): { key: ExactKey; sameAllDay: boolean } {
    const normalized = normalizeQuestionText(text);
    const window = parseTimeExpressions(normalized.replace(/[^\p{L}\p{N}_\-./#@\s]/gu, ' '), now).window;
    const time = window
      ? `window:${window.start?.toISOString() ?? ''}|${window.end?.toISOString() ?? ''}`
      : `day:${now.toISOString().slice(0, 10)}`;
    const hash = createHash('sha256')
      .update(this.models.version)
      .update('\0')
      .update(time)
      .update('\0')
      .update(normalized)
      .digest('base64url');
    const atNow = (d: Date | null) => d?.getTime() === now.getTime();
    return {
      key: { key: `${tenantId}:${hash}`, normalized },
      sameAllDay: !window || !(atNow(window.start) || atNow(window.end)),
    };
  }

  /** The entry under `key` with its freshness; null when absent, of another model version, or unverifiable. */
  async lookup(tenantId: string, key: string): Promise<AnswerLookup | null> {
    const entry = await this.get(tenantId, key);
    if (!entry || entry.modelVersion !== this.models.version) return null;
    try {
      const current = await this.generations(tenantId, entry.tables);
      return { key, entry, fresh: AnswerCacheService.same(entry.generations, current) };
    } catch (err) {
      // Without the generations nothing says the rows are current: answer from the database instead.
      this.logger.warn(`Data generations unreadable, cache bypassed: ${String(err)}`);
      return null;
    }
  }

  /** The key of the cached answer of a question the planner read into exactly this plan. */
  async findByPlan(tenantId: string, signature: string): Promise<string | null> {
    const index = await this.load(tenantId);
    let best: IndexedQuestion | null = null;
    for (const e of index.entries.values()) {
      if (e.fingerprint.planSignature === signature && (!best || e.at > best.at)) best = e;
    }
    return best?.key ?? null;
  }

  /** The closest cached question at or above the configured similarity whose fingerprint agrees, if any. */
  async findSimilar(
    tenantId: string,
    query: { vector: Float32Array; model: string; fingerprint: QuestionFingerprint },
  ): Promise<SimilarQuestion | null> {
    const index = await this.load(tenantId);
    let best: SimilarQuestion | null = null;
    for (const e of index.entries.values()) {
      if (!e.vector || e.embeddingModel !== query.model || e.vector.length !== query.vector.length) continue;
      const similarity = dot(e.vector, query.vector);
      if (similarity < this.similarityThreshold || (best && similarity <= best.similarity)) continue;
      if (!sameStructure(e.fingerprint, query.fingerprint)) continue;
      best = { key: e.key, question: e.question, similarity };
    }
    return best;
  }

  /**
   * The data version of each table a tenant's answer reads. Throws when PostgreSQL is unreachable: without the
   * versions no cached answer can be trusted.
   */
  async generations(tenantId: string, tables: readonly string[]): Promise<Record<string, number>> {
    if (tables.length === 0) return {};
    const current = await this.versions.read(tenantId, tables);
    return Object.fromEntries(tables.map((t) => [t, current.get(t) ?? 0]));
  }

  static same(stored: Record<string, number>, current: Record<string, number>): boolean {
    return Object.keys(current).every((t) => (stored[t] ?? 0) === current[t]);
  }

  async set(key: string, entry: CachedAnswer): Promise<void> {
    if (!this.enabled || !key.startsWith(`${entry.tenantId}:`)) return;
    this.l1.set(key, entry);
    try {
      await this.redis.client.set(this.answerKey(key), JSON.stringify(entry), 'EX', this.ttlS);
    } catch (err) {
      this.logger.warn(`Answer cache write failed: ${String(err)}`);
    }
  }

  /** Offers a cached question to the semantic lookups of its tenant (the only writer of the index). */
  async index(tenantId: string, item: IndexedQuestion): Promise<void> {
    if (!this.enabled || !item.key.startsWith(`${tenantId}:`)) return;
    const index = await this.load(tenantId);
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
    const redisKey = this.indexKey(tenantId);
    try {
      const p = this.redis.client.multi().hset(redisKey, item.key, JSON.stringify(stored));
      if (evicted.length > 0) p.hdel(redisKey, ...evicted);
      await p.expire(redisKey, Math.max(1, this.ttlS)).exec();
    } catch (err) {
      this.logger.warn(`Semantic index write failed: ${String(err)}`);
    }
  }

  private async get(tenantId: string, key: string): Promise<CachedAnswer | undefined> {
    if (!this.enabled || !key.startsWith(`${tenantId}:`)) return undefined;
    const local = this.l1.get(key);
    if (local) return local.tenantId === tenantId ? local : undefined;
    try {
      const raw = await this.redis.client.get(this.answerKey(key));
      if (!raw) return undefined;
      const entry = JSON.parse(raw) as CachedAnswer;
      if (entry.tenantId !== tenantId) return undefined;
      const ttlMs = await this.redis.client.pttl(this.answerKey(key));
      this.l1.set(key, entry, ttlMs > 0 ? { ttl: ttlMs } : {});
      return entry;
    } catch (err) {
      this.logger.warn(`Answer cache read failed: ${String(err)}`);
      return undefined;
    }
  }

  private async load(tenantId: string): Promise<TenantIndex> {
    const modelVersion = this.models.version;
    const id = `${tenantId}\0${modelVersion}`;
    const local = this.tenants.get(id);
    if (local && Date.now() - local.loadedAt < REFRESH_MS) return local;
    const index: TenantIndex = local ?? { loadedAt: 0, entries: new Map() };
    index.loadedAt = Date.now();
    this.tenants.set(id, index);
    try {
      const all = await this.redis.client.hgetall(this.indexKey(tenantId));
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

  private answerKey(key: string): string {
    return this.redis.key('ai', 'answer', key);
  }

  private indexKey(tenantId: string): string {
    return this.redis.key('ai', 'semantic-index', tenantId, this.models.version);
  }
}
