import type { QueryRoute, QueueCounts, QuotaFigure } from '../metrics.types';

export interface LatencySummary {
  /** Milliseconds over the last LATENCY_SAMPLES queries per tenant and route; null without samples. */
  p50: number | null;
  p95: number | null;
  samples: number;
}

export interface ProviderSummary {
  name: string;
  calls: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

/** Body of GET /v1/metrics/performance (docs/api.md). */
export interface PerformanceReport {
  scope: 'tenant' | 'all';
  cache: { hits: number; misses: number; hitRate: number; exactHits: number; semanticHits: number };
  routes: Record<QueryRoute, number>;
  latencyMs: Record<QueryRoute, LatencySummary>;
  providers: ProviderSummary[];
  queues: Record<string, QueueCounts>;
  embedding: { model: string | null; textsEmbedded: number };
  /** Daily quotas with what is left today (tenant scope; absent for the admin's all-tenant view). */
  quotas?: Record<string, QuotaFigure>;
}
