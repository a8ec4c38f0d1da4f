import type { Entity } from '@app/common';

export type QueryRoute = 'cached' | 'simple' | 'complex';
export const QUERY_ROUTES: readonly QueryRoute[] = ['cached', 'simple', 'complex'];
export type CacheKind = 'exact' | 'semantic';

export interface QueryRecord {
  route: QueryRoute;
  /** The cache layer that answered, or null for a miss (including noCache queries). */
  cacheKind: CacheKind | null;
  latencyMs: number;
  ok: boolean;
  /** Per-graph-node latency; node names come from the code, so the label set stays bounded. */
  nodeLatenciesMs?: Record<string, number>;
}

export interface ProviderCallRecord {
  /** Integration name. */
  provider: string;
  model: string;
  operation: 'chat' | 'embed';
  ok: boolean;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  latencyMs: number;
}

export interface EmbeddingRecord {
  model: string;
  /** Number of texts in the call (never the texts themselves). */
  texts: number;
  /** How many of them came from the embedding cache. */
  cacheHits: number;
  latencyMs: number;
  /** When given, the texts also count towards this tenant's `embedding.textsEmbedded`. */
  tenantId?: string;
}

export interface VectorSearchRecord {
  store: string;
  latencyMs: number;
}

export interface IngestRecord {
  entity: Entity;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
}

export interface VectorizedRecord {
  entity: Entity;
  count: number;
  /** Ingest → searchable delay of each record, in seconds. */
  lagSeconds: number[];
}

export interface QueueCounts {
  waiting: number;
  active: number;
  failed: number;
  completed: number;
  delayed: number;
}

/** Reads the job counts of every queue; called at scrape time and by GET /v1/metrics/performance. */
export type QueueCollector = () => Promise<Record<string, QueueCounts>>;

export interface EmbeddingInfo {
  model: string;
}

export type EmbeddingInfoProvider = () => EmbeddingInfo;

/** One daily quota of a tenant: `limit` null when the tenant has none. */
export interface QuotaFigure {
  limit: number | null;
  used: number;
  remaining: number | null;
  /** ISO-8601 instant the count starts again from zero (next UTC midnight). */
  resetsAt: string;
}

/** Reads a tenant's daily quotas (registered by the throttling module). */
export type QuotaReporter = (tenantId: string) => Promise<Record<string, QuotaFigure>>;
