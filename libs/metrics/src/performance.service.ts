import { Injectable } from '@nestjs/common';
import { ErrorCode } from '@app/common';
import type { LatencySummary, PerformanceReport, ProviderSummary } from './dto/performance-report.dto';
import { MetricsException } from './metrics.exception';
import { MetricsService } from './metrics.service';
import { QUERY_ROUTES, type QueryRoute } from './metrics.types';
import {
  FIELD,
  PerformanceStoreService,
  PROVIDER_FIGURES,
  type ProviderFigure,
} from './performance-store.service';

/** Nearest-rank percentile of unsorted samples; null when there are none. */
export function percentile(samples: number[], p: number): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/** Builds GET /v1/metrics/performance from the Redis-held figures, which are the same on every API pod. */
@Injectable()
export class PerformanceService {
  constructor(
    private readonly store: PerformanceStoreService,
    private readonly metrics: MetricsService,
  ) {}

  /** `scope`: a tenant id, or 'all' for every tenant summed (the admin). Queue counts are not per tenant. */
  async get(scope: string): Promise<PerformanceReport> {
    const [figures, queues] = await Promise.all([
      this.store.read(scope).catch((err: unknown) => {
        throw new MetricsException(
          ErrorCode.DEPENDENCY_UNAVAILABLE,
          'Performance figures are unavailable',
          undefined,
          {
            cause: err,
          },
        );
      }),
      this.metrics.queueCounts(),
    ]);
    const quotas = scope === 'all' ? undefined : await this.metrics.quotas(scope);
    const count = (field: string) => figures.counters.get(field) ?? 0;

    const hits = count(FIELD.cacheHits);
    const misses = count(FIELD.cacheMisses);
    const routes = {} as Record<QueryRoute, number>;
    const latencyMs = {} as Record<QueryRoute, LatencySummary>;
    for (const route of QUERY_ROUTES) {
      routes[route] = count(FIELD.route(route));
      const samples = figures.latencyMs[route];
      latencyMs[route] = {
        p50: percentile(samples, 50),
        p95: percentile(samples, 95),
        samples: samples.length,
      };
    }

    return {
      scope: scope === 'all' ? 'all' : 'tenant',
      cache: {
        hits,
        misses,
        hitRate: hits + misses === 0 ? 0 : hits / (hits + misses),
        exactHits: count(FIELD.cacheKind('exact')),
        semanticHits: count(FIELD.cacheKind('semantic')),
      },
      routes,
      latencyMs,
      providers: providersOf(figures.counters),
      queues,
      embedding: {
        model: this.metrics.embeddingModel()?.model ?? null,
        textsEmbedded: count(FIELD.textsEmbedded),
      },
      ...(quotas ? { quotas } : {}),
    };
  }
}

/** Float sums drift (0.1 + 0.2); a billion-th of a dollar is below any integration's price resolution. */
function providersOf(counters: Map<string, number>): ProviderSummary[] {
  const byName = new Map<string, ProviderSummary>();
  for (const [field, value] of counters) {
    if (!field.startsWith('provider:')) continue;
    const cut = field.lastIndexOf(':');
    const figure = field.slice(cut + 1) as ProviderFigure;
    if (!PROVIDER_FIGURES.includes(figure)) continue;
    const name = field.slice('provider:'.length, cut);
    let summary = byName.get(name);
    if (!summary) {
      summary = { name, calls: 0, errors: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
      byName.set(name, summary);
    }
    summary[figure] += value;
  }
  return [...byName.values()]
    .map((p) => ({ ...p, costUsd: Math.round(p.costUsd * 1e9) / 1e9 }))
    .sort((a, b) => b.calls - a.calls || a.name.localeCompare(b.name));
}
