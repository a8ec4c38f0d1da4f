import { Injectable, Logger } from '@nestjs/common';
import { withTimeout } from '@app/common';
import { LRUCache } from 'lru-cache';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { AppConfig } from '@app/config';
import { PerformanceStoreService } from './performance-store.service';
import type {
  EmbeddingInfo,
  EmbeddingInfoProvider,
  EmbeddingRecord,
  IngestRecord,
  ProviderCallRecord,
  QueryRecord,
  QueueCollector,
  QueueCounts,
  QuotaFigure,
  QuotaReporter,
  VectorizedRecord,
  VectorSearchRecord,
} from './metrics.types';

export const METRIC_PREFIX = 'pulse_';

/** Provider and model names come from tenants' integrations: past this many values a label reads `other`. */
export const MAX_TENANT_DEFINED_LABEL_VALUES = 100;

/** A scrape must not hang on a stuck Redis (BullMQ connections retry forever). */
export const COLLECT_TIMEOUT_MS = 2000;

export const QUEUE_STATES = ['waiting', 'active', 'failed', 'completed', 'delayed'] as const;

const EMPTY_QUEUE: QueueCounts = { waiting: 0, active: 0, failed: 0, completed: 0, delayed: 0 };

const LATENCY_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30];
const FAST_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const LAG_BUCKETS_S = [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200];

/** A counter increment; prom-client throws on negative or non-finite ones, and recording must never throw. */
const amount = (value: number): number => (Number.isFinite(value) && value > 0 ? value : 0);

/**
 * Owns this process's Prometheus registry and is the one API the other modules record through. Recording never
 * throws and never waits: the Redis side (cross-pod figures for GET /v1/metrics/performance) is written in the
 * background, and its failures are counted in `pulse_performance_store_errors_total`.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly logger = new Logger(MetricsService.name);
  private readonly tenantLabelMode: 'none' | 'hash' | 'allowlist';
  private readonly allowlist: Set<string>;
  /** [] when tenant labels are off, so the label does not exist at all (not an empty value). */
  private readonly tenantLabels: string[];
  private readonly seenLabelValues = new Map<string, Set<string>>();
  /** Hashed tenant labels: an HMAC per metric update costs more than the update itself. */
  private readonly hashedTenants = new LRUCache<string, Record<string, string>>({ max: 10_000 });
  private readonly pending = new Set<Promise<void>>();
  private queueCollector?: QueueCollector;
  private embeddingInfo?: EmbeddingInfoProvider;
  private quotaReporter?: QuotaReporter;

  private readonly httpDuration: Histogram<string>;
  private readonly queries: Counter<string>;
  private readonly cacheHits: Counter<string>;
  private readonly cacheMisses: Counter<string>;
  private readonly queryDuration: Histogram<string>;
  private readonly nodeDuration: Histogram<string>;
  private readonly providerCalls: Counter<string>;
  private readonly providerTokens: Counter<string>;
  private readonly providerCost: Counter<string>;
  private readonly providerDuration: Histogram<string>;
  private readonly embeddingTexts: Counter<string>;
  private readonly embeddingCacheHits: Counter<string>;
  private readonly embeddingDuration: Histogram<string>;
  private readonly vectorSearchDuration: Histogram<string>;
  private readonly ingestRecords: Counter<string>;
  private readonly vectorizedRecords: Counter<string>;
  private readonly ingestLag: Histogram<string>;
  private readonly storeErrors: Counter<string>;
  private readonly collectErrors: Counter<string>;
  private readonly throttledRequests: Counter<string>;
  private readonly queuedRequests: Counter<string>;
  private readonly waitingRequests: Gauge<string>;

  constructor(
    private readonly config: AppConfig,
    private readonly store: PerformanceStoreService,
  ) {
    this.tenantLabelMode = config.metrics.tenantLabel;
    this.allowlist = new Set(config.metrics.tenantAllowlist);
    this.tenantLabels = this.tenantLabelMode === 'none' ? [] : ['tenant'];
    collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });

    const registers = [this.registry];
    const t = this.tenantLabels;
    this.httpDuration = new Histogram({
      name: 'pulse_http_request_duration_seconds',
      help: 'HTTP request duration by route template, method and status code',
      labelNames: ['route', 'method', 'status'],
      buckets: LATENCY_BUCKETS_S,
      registers,
    });
    this.queries = new Counter({
      name: 'pulse_queries_total',
      help: 'Natural-language queries answered, by route and outcome',
      labelNames: [...t, 'route', 'outcome'],
      registers,
    });
    this.cacheHits = new Counter({
      name: 'pulse_query_cache_hits_total',
      help: 'Queries answered from the query cache, by cache kind (exact or semantic)',
      labelNames: [...t, 'kind'],
      registers,
    });
    this.cacheMisses = new Counter({
      name: 'pulse_query_cache_misses_total',
      help: 'Queries the query cache could not answer',
      labelNames: [...t],
      registers,
    });
    this.queryDuration = new Histogram({
      name: 'pulse_query_duration_seconds',
      help: 'End-to-end query latency by route',
      labelNames: ['route'],
      buckets: LATENCY_BUCKETS_S,
      registers,
    });
    this.nodeDuration = new Histogram({
      name: 'pulse_query_node_duration_seconds',
      help: 'Latency of each query-graph node',
      labelNames: ['node'],
      buckets: LATENCY_BUCKETS_S,
      registers,
    });
    this.providerCalls = new Counter({
      name: 'pulse_provider_calls_total',
      help: 'Calls to AI providers (integrations), by operation and outcome',
      labelNames: [...t, 'provider', 'model', 'operation', 'outcome'],
      registers,
    });
    this.providerTokens = new Counter({
      name: 'pulse_provider_tokens_total',
      help: 'Tokens sent to (input) and received from (output) AI providers',
      labelNames: [...t, 'provider', 'model', 'direction'],
      registers,
    });
    this.providerCost = new Counter({
      name: 'pulse_provider_cost_usd_total',
      help: 'Estimated AI provider cost in US dollars (from the integration prices)',
      labelNames: [...t, 'provider', 'model'],
      registers,
    });
    this.providerDuration = new Histogram({
      name: 'pulse_provider_call_duration_seconds',
      help: 'AI provider call latency',
      labelNames: ['provider', 'operation'],
      buckets: LATENCY_BUCKETS_S,
      registers,
    });
    this.embeddingTexts = new Counter({
      name: 'pulse_embedding_texts_total',
      help: 'Texts embedded (including those served by the embedding cache)',
      labelNames: ['model'],
      registers,
    });
    this.embeddingCacheHits = new Counter({
      name: 'pulse_embedding_cache_hits_total',
      help: 'Texts whose embedding came from the embedding cache',
      labelNames: ['model'],
      registers,
    });
    this.embeddingDuration = new Histogram({
      name: 'pulse_embedding_duration_seconds',
      help: 'Latency of one embedding call (a batch of texts)',
      labelNames: ['model'],
      buckets: FAST_BUCKETS_S.concat([5, 10]),
      registers,
    });
    this.vectorSearchDuration = new Histogram({
      name: 'pulse_vector_search_duration_seconds',
      help: 'Vector store search latency',
      labelNames: ['store'],
      buckets: FAST_BUCKETS_S,
      registers,
    });
    this.ingestRecords = new Counter({
      name: 'pulse_ingest_records_total',
      help: 'ETL records received, by entity and outcome (inserted, updated, unchanged, rejected)',
      labelNames: [...t, 'entity', 'outcome'],
      registers,
    });
    this.vectorizedRecords = new Counter({
      name: 'pulse_vectorized_records_total',
      help: 'Records embedded and written to the vector store',
      labelNames: [...t, 'entity'],
      registers,
    });
    this.ingestLag = new Histogram({
      name: 'pulse_ingest_to_searchable_seconds',
      help: 'Delay from ingest to searchable, per record',
      labelNames: ['entity'],
      buckets: LAG_BUCKETS_S,
      registers,
    });
    this.storeErrors = new Counter({
      name: 'pulse_performance_store_errors_total',
      help: 'Failed writes of per-tenant performance figures to Redis (the request itself succeeded)',
      registers,
    });
    this.collectErrors = new Counter({
      name: 'pulse_metrics_collect_errors_total',
      help: 'Failed reads of a registered collector at scrape time',
      labelNames: ['source'],
      registers,
    });
    this.throttledRequests = new Counter({
      name: 'pulse_throttled_requests_total',
      help: 'Requests refused with 429 by the per-tenant rate limits or fair-share queue, by route class',
      labelNames: [...t, 'route_class'],
      registers,
    });
    this.queuedRequests = new Counter({
      name: 'pulse_queued_requests_total',
      help: 'Requests that waited for a fair-share slot (per-tenant concurrency cap), by route class',
      labelNames: [...t, 'route_class'],
      registers,
    });
    this.waitingRequests = new Gauge({
      name: 'pulse_waiting_requests',
      help: 'Requests waiting for a fair-share slot in this process now, by route class',
      labelNames: [...t, 'route_class'],
      registers,
    });
    new Gauge({
      name: 'pulse_queue_jobs',
      help: 'Jobs per queue and state, read when scraped (every pod reports the same queues: aggregate with max)',
      labelNames: ['queue', 'state'],
      registers,
      collect: async () => {
        const gauge = this.registry.getSingleMetric('pulse_queue_jobs') as Gauge<string>;
        gauge.reset();
        for (const [queue, counts] of Object.entries(await this.queueCounts())) {
          for (const state of QUEUE_STATES) gauge.set({ queue, state }, counts[state]);
        }
      },
    });
  }

  recordHttp(route: string, method: string, status: number | string, seconds: number): void {
    this.httpDuration.observe({ route, method, status: String(status) }, seconds);
  }

  /** `tenantId` undefined: the admin token, counted under the label the word `admin` gets. */
  recordThrottled(routeClass: string, tenantId: string | undefined): void {
    this.throttledRequests.inc({ ...this.tenantLabel(tenantId ?? 'admin'), route_class: routeClass });
  }

  /** A request starts waiting for a fair-share slot; the returned function records the end of its wait. */
  recordQueued(routeClass: string, tenantId: string | undefined): () => void {
    const labels = { ...this.tenantLabel(tenantId ?? 'admin'), route_class: routeClass };
    this.queuedRequests.inc(labels);
    this.waitingRequests.inc(labels);
    return () => this.waitingRequests.dec(labels);
  }

  recordQuery(tenantId: string, q: QueryRecord): void {
    const tenant = this.tenantLabel(tenantId);
    this.queries.inc({ ...tenant, route: q.route, outcome: q.ok ? 'ok' : 'error' });
    if (q.cacheKind) this.cacheHits.inc({ ...tenant, kind: q.cacheKind });
    else this.cacheMisses.inc(tenant);
    this.queryDuration.observe({ route: q.route }, q.latencyMs / 1000);
    for (const [node, ms] of Object.entries(q.nodeLatenciesMs ?? {})) {
      this.nodeDuration.observe({ node }, ms / 1000);
    }
    this.background(this.store.recordQuery(tenantId, q));
  }

  recordProviderCall(tenantId: string, c: ProviderCallRecord): void {
    const tenant = this.tenantLabel(tenantId);
    const provider = this.bounded('provider', c.provider);
    const model = this.bounded('model', c.model);
    this.providerCalls.inc({
      ...tenant,
      provider,
      model,
      operation: c.operation,
      outcome: c.ok ? 'ok' : 'error',
    });
    const input = amount(c.inputTokens);
    const output = amount(c.outputTokens);
    const cost = amount(c.costUsd);
    if (input) this.providerTokens.inc({ ...tenant, provider, model, direction: 'input' }, input);
    if (output) this.providerTokens.inc({ ...tenant, provider, model, direction: 'output' }, output);
    if (cost) this.providerCost.inc({ ...tenant, provider, model }, cost);
    this.providerDuration.observe({ provider, operation: c.operation }, c.latencyMs / 1000);
    this.background(this.store.recordProviderCall(tenantId, c));
  }

  recordEmbedding(e: EmbeddingRecord): void {
    const model = this.bounded('model', e.model);
    const texts = amount(e.texts);
    this.embeddingTexts.inc({ model }, texts);
    if (amount(e.cacheHits)) this.embeddingCacheHits.inc({ model }, amount(e.cacheHits));
    this.embeddingDuration.observe({ model }, e.latencyMs / 1000);
    if (texts) this.background(this.store.recordTextsEmbedded(e.tenantId, texts));
  }

  recordVectorSearch(s: VectorSearchRecord): void {
    this.vectorSearchDuration.observe({ store: s.store }, s.latencyMs / 1000);
  }

  recordIngest(tenantId: string, i: IngestRecord): void {
    const tenant = this.tenantLabel(tenantId);
    for (const outcome of ['inserted', 'updated', 'unchanged', 'rejected'] as const) {
      if (amount(i[outcome])) this.ingestRecords.inc({ ...tenant, entity: i.entity, outcome }, i[outcome]);
    }
  }

  recordVectorized(tenantId: string, v: VectorizedRecord): void {
    if (amount(v.count)) {
      this.vectorizedRecords.inc({ ...this.tenantLabel(tenantId), entity: v.entity }, v.count);
    }
    for (const lag of v.lagSeconds) this.ingestLag.observe({ entity: v.entity }, Math.max(0, lag));
  }

  /** The queue module registers how to read job counts; they are read at scrape time, never cached. */
  registerQueueCollector(collector: QueueCollector): void {
    this.queueCollector = collector;
  }

  /** The embedding module registers what model it serves (for GET /v1/metrics/performance). */
  registerEmbeddingInfo(provider: EmbeddingInfoProvider): void {
    this.embeddingInfo = provider;
  }

  /** The throttling module registers how to read a tenant's daily quotas (for GET /v1/metrics/performance). */
  registerQuotaReporter(reporter: QuotaReporter): void {
    this.quotaReporter = reporter;
  }

  /** A tenant's daily quotas; undefined when no reporter is registered or it fails. */
  async quotas(tenantId: string): Promise<Record<string, QuotaFigure> | undefined> {
    if (!this.quotaReporter) return undefined;
    try {
      return await withTimeout(this.quotaReporter(tenantId), COLLECT_TIMEOUT_MS, 'quota reporter');
    } catch {
      this.collectErrors.inc({ source: 'quotas' });
      return undefined;
    }
  }

  /** Job counts per queue (`vectorize` always present); zeros when no collector is registered or it fails. */
  async queueCounts(): Promise<Record<string, QueueCounts>> {
    const counts: Record<string, QueueCounts> = { vectorize: { ...EMPTY_QUEUE } };
    if (!this.queueCollector) return counts;
    try {
      const collected = await withTimeout(this.queueCollector(), COLLECT_TIMEOUT_MS, 'queue collector');
      for (const [queue, c] of Object.entries(collected)) counts[queue] = { ...EMPTY_QUEUE, ...c };
    } catch (err) {
      this.collectErrors.inc({ source: 'queues' });
      this.logger.warn(`Queue counts unavailable: ${(err as Error).message}`);
    }
    return counts;
  }

  embeddingModel(): EmbeddingInfo | undefined {
    try {
      return this.embeddingInfo?.();
    } catch {
      this.collectErrors.inc({ source: 'embedding' });
      return undefined;
    }
  }

  /** Prometheus text exposition of everything above. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** Waits for the background Redis writes issued so far (tests, graceful shutdown). */
  async flush(): Promise<void> {
    await this.store.flush().catch(() => undefined);
    await Promise.all([...this.pending]);
  }

  /** The tenant label for this tenant under METRICS_TENANT_LABEL; {} when tenant labels are off. */
  tenantLabel(tenantId: string): Record<string, string> {
    switch (this.tenantLabelMode) {
      case 'none':
        return {};
      case 'hash': {
        let label = this.hashedTenants.get(tenantId);
        if (!label)
          this.hashedTenants.set(
            tenantId,
            (label = Object.freeze({ tenant: this.config.hashLabel(tenantId) })),
          );
        return label;
      }
      case 'allowlist':
        return { tenant: this.allowlist.has(tenantId) ? tenantId : 'other' };
    }
  }

  private bounded(label: string, value: string): string {
    let seen = this.seenLabelValues.get(label);
    if (!seen) this.seenLabelValues.set(label, (seen = new Set()));
    if (seen.has(value)) return value;
    if (seen.size >= MAX_TENANT_DEFINED_LABEL_VALUES) return 'other';
    seen.add(value);
    return value;
  }

  private background(write: Promise<void>): void {
    const tracked = write.catch((err: unknown) => {
      this.storeErrors.inc();
      this.logger.debug(`Performance figures not stored: ${(err as Error).message}`);
    });
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }
}
