import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { ChainableCommander } from 'ioredis';
import { RedisService } from '@app/database';
import { QUERY_ROUTES, type ProviderCallRecord, type QueryRecord, type QueryRoute } from './metrics.types';

/** Latency samples kept per tenant and route; p50/p95 are computed over these at read time. */
export const LATENCY_SAMPLES = 1000;

/** Hash fields of a tenant's counters. Provider fields are `provider:<name>:<figure>`; names may hold ':'. */
export const FIELD = {
  cacheHits: 'cache:hits',
  cacheMisses: 'cache:misses',
  cacheKind: (kind: string) => `cache:${kind}`,
  route: (route: QueryRoute) => `route:${route}`,
  textsEmbedded: 'embed:texts',
  provider: (name: string, figure: ProviderFigure) => `provider:${name}:${figure}`,
} as const;

export const PROVIDER_FIGURES = ['calls', 'errors', 'inputTokens', 'outputTokens', 'costUsd'] as const;
export type ProviderFigure = (typeof PROVIDER_FIGURES)[number];

/** HINCRBY takes integers only, and a counter must not go down. */
const count = (value: number): number => (Number.isFinite(value) && value > 0 ? Math.round(value) : 0);

/**
 * Queries recorded in this process are written together at most this long after the first of them (or sooner,
 * see FLUSH_EVENTS): one pipeline per batch instead of one per answer, which at cached-answer rates cost more
 * than the answer. Another pod sees the figures this much later; this pod's own reads write them first.
 */
export const FLUSH_MS = 100;
const FLUSH_EVENTS = 500;

/** Query figures of one tenant not written yet: counter increments and latency samples, oldest first. */
interface PendingTenant {
  counters: Map<string, number>;
  latencyMs: Map<QueryRoute, number[]>;
}

export interface StoredFigures {
  counters: Map<string, number>;
  latencyMs: Record<QueryRoute, number[]>;
}

/**
 * Per-tenant performance figures in Redis, so every API pod answers GET /v1/metrics/performance with the same
 * numbers (Prometheus counters live in one process). Writes are one pipeline per event; callers decide what a
 * failure means.
 */
@Injectable()
export class PerformanceStoreService implements OnModuleDestroy {
  private pending = new Map<string, PendingTenant>();
  private pendingEvents = 0;
  /** Settles when the batch being collected has been written (rejects when that write failed). */
  private batch: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private startBatch: () => void = () => undefined;

  constructor(private readonly redis: RedisService) {}

  /** Settles once the query's figures are in Redis, with the other queries of its batch (FLUSH_MS). */
  recordQuery(tenantId: string, q: QueryRecord): Promise<void> {
    let t = this.pending.get(tenantId);
    if (!t) this.pending.set(tenantId, (t = { counters: new Map(), latencyMs: new Map() }));
    const bump = (field: string) => t.counters.set(field, (t.counters.get(field) ?? 0) + 1);
    bump(FIELD.route(q.route));
    if (q.cacheKind) {
      bump(FIELD.cacheHits);
      bump(FIELD.cacheKind(q.cacheKind));
    } else {
      bump(FIELD.cacheMisses);
    }
    const samples = t.latencyMs.get(q.route);
    if (samples) samples.push(q.latencyMs);
    else t.latencyMs.set(q.route, [q.latencyMs]);
    const written = this.scheduled();
    if (++this.pendingEvents >= FLUSH_EVENTS) this.startBatch();
    return written;
  }

  /** Writes the queries recorded so far now; settles when they are in Redis. */
  async flush(): Promise<void> {
    const written = this.batch;
    this.startBatch();
    await written;
  }

  async onModuleDestroy(): Promise<void> {
    await this.flush().catch(() => undefined);
  }

  recordProviderCall(tenantId: string, c: ProviderCallRecord): Promise<void> {
    const counters = this.countersKey(tenantId);
    const p = this.redis.client.pipeline();
    p.sadd(this.tenantsKey(), tenantId);
    p.hincrby(counters, FIELD.provider(c.provider, 'calls'), 1);
    if (!c.ok) p.hincrby(counters, FIELD.provider(c.provider, 'errors'), 1);
    const tokensIn = count(c.inputTokens);
    const tokensOut = count(c.outputTokens);
    if (tokensIn) p.hincrby(counters, FIELD.provider(c.provider, 'inputTokens'), tokensIn);
    if (tokensOut) p.hincrby(counters, FIELD.provider(c.provider, 'outputTokens'), tokensOut);
    if (Number.isFinite(c.costUsd) && c.costUsd > 0) {
      p.hincrbyfloat(counters, FIELD.provider(c.provider, 'costUsd'), c.costUsd);
    }
    return this.exec(p);
  }

  /** Texts always count globally (the admin's figure); with a tenant, towards that tenant's figure too. */
  recordTextsEmbedded(tenantId: string | undefined, texts: number): Promise<void> {
    texts = count(texts);
    const p = this.redis.client.pipeline();
    p.hincrby(this.globalKey(), FIELD.textsEmbedded, texts);
    if (tenantId) {
      p.sadd(this.tenantsKey(), tenantId);
      p.hincrby(this.countersKey(tenantId), FIELD.textsEmbedded, texts);
    }
    return this.exec(p);
  }

  /** One tenant's figures, or every tenant's summed (samples pooled) for 'all'. */
  async read(scope: string): Promise<StoredFigures> {
    // This pod's own queries are part of what it reports, as they were when each was written at once.
    await this.flush().catch(() => undefined);
    const all = scope === 'all';
    const tenants = all ? await this.redis.client.smembers(this.tenantsKey()) : [scope];
    const p = this.redis.client.pipeline();
    for (const tenantId of tenants) {
      p.hgetall(this.countersKey(tenantId));
      for (const route of QUERY_ROUTES) p.lrange(this.latencyKey(tenantId, route), 0, -1);
    }
    if (all) p.hget(this.globalKey(), FIELD.textsEmbedded);
    const results = await this.execResults(p);

    const figures: StoredFigures = {
      counters: new Map(),
      latencyMs: { cached: [], simple: [], complex: [] },
    };
    let i = 0;
    for (let t = 0; t < tenants.length; t++) {
      const hash = results[i++] as Record<string, string>;
      for (const [field, value] of Object.entries(hash)) {
        figures.counters.set(field, (figures.counters.get(field) ?? 0) + Number(value));
      }
      for (const route of QUERY_ROUTES) {
        const samples = (results[i++] as string[]).map(Number).filter(Number.isFinite);
        figures.latencyMs[route].push(...samples);
      }
    }
    if (all) figures.counters.set(FIELD.textsEmbedded, Number((results[i] as string | null) ?? 0));
    return figures;
  }

  /** The write of the batch being collected, started FLUSH_MS after its first query (or by startBatch). */
  private scheduled(): Promise<void> {
    if (this.batch) return this.batch;
    this.batch = new Promise<void>((resolve, reject) => {
      this.startBatch = () => {
        if (this.timer) clearTimeout(this.timer);
        this.timer = null;
        this.batch = null;
        this.startBatch = () => undefined;
        this.writeBatch().then(resolve, reject);
      };
    });
    // Nobody may be waiting for it: a failure is the callers' to count (MetricsService), never unhandled.
    this.batch.catch(() => undefined);
    this.timer = setTimeout(() => this.startBatch(), FLUSH_MS);
    this.timer.unref();
    return this.batch;
  }

  private writeBatch(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    this.pendingEvents = 0;
    const p = this.redis.client.pipeline();
    p.sadd(this.tenantsKey(), ...batch.keys());
    for (const [tenantId, t] of batch) {
      const counters = this.countersKey(tenantId);
      for (const [field, n] of t.counters) p.hincrby(counters, field, n);
      for (const [route, samples] of t.latencyMs) {
        const latency = this.latencyKey(tenantId, route);
        // LPUSH pushes its values in order: the newest sample ends up first, as one LPUSH per query left it.
        p.lpush(latency, ...samples.slice(-LATENCY_SAMPLES).map(String));
        p.ltrim(latency, 0, LATENCY_SAMPLES - 1);
      }
    }
    return this.exec(p);
  }

  private async exec(p: ChainableCommander): Promise<void> {
    await this.execResults(p);
  }

  private async execResults(p: ChainableCommander): Promise<unknown[]> {
    const results = await p.exec();
    if (!results) throw new Error('Redis pipeline was discarded');
    return results.map(([err, value]) => {
      if (err) throw err;
      return value;
    });
  }

  private tenantsKey(): string {
    return this.redis.key('perf', 'tenants');
  }

  private globalKey(): string {
    return this.redis.key('perf', 'global', 'counters');
  }

  private countersKey(tenantId: string): string {
    return this.redis.key('perf', tenantId, 'counters');
  }

  private latencyKey(tenantId: string, route: QueryRoute): string {
    return this.redis.key('perf', tenantId, 'latency', route);
  }
}
