import { Injectable } from '@nestjs/common';
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
export class PerformanceStoreService {
  constructor(private readonly redis: RedisService) {}

  recordQuery(tenantId: string, q: QueryRecord): Promise<void> {
    const counters = this.countersKey(tenantId);
    const p = this.redis.client.pipeline();
    p.sadd(this.tenantsKey(), tenantId);
    p.hincrby(counters, FIELD.route(q.route), 1);
    if (q.cacheKind) {
      p.hincrby(counters, FIELD.cacheHits, 1);
      p.hincrby(counters, FIELD.cacheKind(q.cacheKind), 1);
    } else {
      p.hincrby(counters, FIELD.cacheMisses, 1);
    }
    const latency = this.latencyKey(tenantId, q.route);
    p.lpush(latency, String(q.latencyMs));
    p.ltrim(latency, 0, LATENCY_SAMPLES - 1);
    return this.exec(p);
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
