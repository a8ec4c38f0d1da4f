import {
  CanActivate,
  Controller,
  ExecutionContext,
  Get,
  Global,
  Injectable,
  Module,
  Param,
  type INestApplication,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { AppConfig, ConfigModule } from '@app/config';
import { admitCaller } from '@app/tenancy';
import { RedisService } from '@app/database';
import { ErrorCode } from '@app/common';
import { MetricsModule } from './metrics.module';
import { MetricsService } from './metrics.service';
import { PerformanceController } from './performance.controller';
import { PerformanceService } from './performance.service';
import { PrometheusText } from './testing/prometheus-text';
import type { PerformanceReport } from './dto/performance-report.dto';
import type { QueryRecord } from './metrics.types';

@Global()
@Module({ providers: [RedisService], exports: [RedisService] })
class RedisOnlyModule {}

/** Stands in for the auth guard (which resolves API keys from the database): it only sets the request's caller. */
@Injectable()
class HeaderCallerGuard implements CanActivate {
  canActivate(ctx: ExecutionContext): boolean {
    const request = ctx.switchToHttp().getRequest<FastifyRequest>();
    const caller = request.headers['x-test-caller'];
    if (caller === 'admin') admitCaller(request, { kind: 'admin' });
    else if (typeof caller === 'string') admitCaller(request, { kind: 'tenant', tenantId: caller });
    return true;
  }
}

@Controller('things')
class ThingsController {
  @Get(':id')
  get(@Param('id') id: string) {
    return { id };
  }
}

interface Harness {
  app: NestFastifyApplication;
  metrics: MetricsService;
  config: AppConfig;
  scrape(): Promise<PrometheusText>;
  performance(caller: string, query?: string): Promise<PerformanceReport>;
}

const started: INestApplication[] = [];

/** A Fastify app with MetricsModule, its own Redis prefix (so 'all' means this test's tenants) and env overrides. */
async function startApp(env: Record<string, string> = {}): Promise<Harness> {
  const config = new AppConfig({
    ...process.env,
    REDIS_PREFIX: `${process.env.REDIS_PREFIX}-${randomUUID().slice(0, 8)}`,
    ...env,
  });
  const moduleRef = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(config), RedisOnlyModule, MetricsModule],
    controllers: [ThingsController],
    providers: [{ provide: APP_GUARD, useClass: HeaderCallerGuard }],
  }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter());
  started.push(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const redis = app.get(RedisService).client;
  // The shared client fails fast instead of queueing while it connects; production gates traffic on readiness.
  if (!env.REDIS_URL && redis.status !== 'ready') await once(redis, 'ready');
  const metrics = app.get(MetricsService);
  return {
    app,
    metrics,
    config,
    async scrape() {
      const res = await app.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('text/plain');
      return new PrometheusText(res.body);
    },
    async performance(caller, query = '') {
      await metrics.flush();
      const res = await app.inject({
        method: 'GET',
        url: `/v1/metrics/performance${query}`,
        headers: { 'x-test-caller': caller },
      });
      expect({ status: res.statusCode, body: res.statusCode === 200 ? 'ok' : res.body }).toEqual({
        status: 200,
        body: 'ok',
      });
      return res.json<PerformanceReport>();
    },
  };
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((app) => app.close()));
});

const query = (over: Partial<QueryRecord> = {}): QueryRecord => ({
  route: 'cached',
  cacheKind: 'exact',
  latencyMs: 10,
  ok: true,
  ...over,
});

describe('GET /metrics', () => {
  it('counts queries, cache hits and misses, ingests and provider calls as they happen', async () => {
    const h = await startApp();
    const tenant = randomUUID();
    const label = h.config.hashLabel(tenant);
    const before = await h.scrape();
    expect(before.value('pulse_queries_total', { tenant })).toBe(0);

    h.metrics.recordQuery(tenant, query({ route: 'cached', cacheKind: 'semantic', latencyMs: 4 }));
    h.metrics.recordQuery(
      tenant,
      query({ route: 'simple', cacheKind: null, latencyMs: 40, nodeLatenciesMs: { plan: 3 } }),
    );
    h.metrics.recordQuery(tenant, query({ route: 'complex', cacheKind: null, latencyMs: 900, ok: false }));
    h.metrics.recordIngest(tenant, {
      entity: 'work_items',
      inserted: 5,
      updated: 2,
      unchanged: 1,
      rejected: 3,
    });
    h.metrics.recordVectorized(tenant, { entity: 'work_items', count: 7, lagSeconds: [0.8, 1.5, 12] });
    h.metrics.recordProviderCall(tenant, {
      provider: 'openai-main',
      model: 'gpt-x',
      operation: 'chat',
      ok: true,
      inputTokens: 120,
      outputTokens: 30,
      costUsd: 0.0021,
      latencyMs: 800,
    });
    h.metrics.recordProviderCall(tenant, {
      provider: 'openai-main',
      model: 'gpt-x',
      operation: 'chat',
      ok: false,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
      latencyMs: 20000,
    });
    h.metrics.recordEmbedding({ model: 'use-lite', texts: 8, cacheHits: 3, latencyMs: 25 });
    h.metrics.recordVectorSearch({ store: 'embedded', latencyMs: 1.2 });

    const after = await h.scrape();
    const t = { tenant: label };
    expect(after.value('pulse_queries_total', t)).toBe(3);
    expect(after.value('pulse_queries_total', { ...t, route: 'complex', outcome: 'error' })).toBe(1);
    expect(after.value('pulse_query_cache_hits_total', { ...t, kind: 'semantic' })).toBe(1);
    expect(after.value('pulse_query_cache_misses_total', t)).toBe(2);
    expect(after.count('pulse_query_duration_seconds', { route: 'simple' })).toBe(1);
    expect(after.count('pulse_query_node_duration_seconds', { node: 'plan' })).toBe(1);
    expect(
      after.value('pulse_ingest_records_total', { ...t, entity: 'work_items', outcome: 'inserted' }),
    ).toBe(5);
    expect(after.value('pulse_ingest_records_total', { ...t, outcome: 'rejected' })).toBe(3);
    expect(after.value('pulse_vectorized_records_total', t)).toBe(7);
    expect(after.count('pulse_ingest_to_searchable_seconds', { entity: 'work_items' })).toBe(3);
    expect(after.value('pulse_provider_calls_total', { ...t, provider: 'openai-main', outcome: 'ok' })).toBe(
      1,
    );
    expect(
      after.value('pulse_provider_calls_total', { ...t, provider: 'openai-main', outcome: 'error' }),
    ).toBe(1);
    expect(after.value('pulse_provider_tokens_total', { ...t, direction: 'input' })).toBe(120);
    expect(after.value('pulse_provider_cost_usd_total', t)).toBeCloseTo(0.0021, 10);
    expect(after.value('pulse_embedding_texts_total', { model: 'use-lite' })).toBe(8);
    expect(after.value('pulse_embedding_cache_hits_total', { model: 'use-lite' })).toBe(3);
    expect(after.count('pulse_vector_search_duration_seconds', { store: 'embedded' })).toBe(1);
    expect(after.family('pulse_process_cpu_user_seconds_total')).toBeDefined();
  });

  it('hashes tenant labels by default: the raw tenant id never appears', async () => {
    const h = await startApp();
    const tenant = randomUUID();
    h.metrics.recordQuery(tenant, query());
    h.metrics.recordIngest(tenant, {
      entity: 'deployments',
      inserted: 1,
      updated: 0,
      unchanged: 0,
      rejected: 0,
    });
    const scrape = await h.scrape();
    expect(scrape.text).not.toContain(tenant);
    expect(scrape.labelSets('pulse_queries_total')).toContainEqual(
      expect.objectContaining({ tenant: h.config.hashLabel(tenant) }),
    );
  });

  it('drops the tenant label with METRICS_TENANT_LABEL=none and keeps only allow-listed ids with allowlist', async () => {
    const a = randomUUID();
    const b = randomUUID();
    const none = await startApp({ METRICS_TENANT_LABEL: 'none' });
    none.metrics.recordQuery(a, query());
    const noneScrape = await none.scrape();
    expect(noneScrape.value('pulse_queries_total')).toBe(1);
    expect(noneScrape.labelSets('pulse_queries_total')[0]).not.toHaveProperty('tenant');

    const allow = await startApp({ METRICS_TENANT_LABEL: 'allowlist', METRICS_TENANT_ALLOWLIST: ` ${a} ,x` });
    allow.metrics.recordQuery(a, query());
    allow.metrics.recordQuery(b, query());
    const allowScrape = await allow.scrape();
    expect(allowScrape.value('pulse_queries_total', { tenant: a })).toBe(1);
    expect(allowScrape.value('pulse_queries_total', { tenant: 'other' })).toBe(1);
    expect(allowScrape.text).not.toContain(b);
  });

  it('caps tenant-defined provider names at 100 label values, the rest counted as other', async () => {
    const h = await startApp();
    const tenant = randomUUID();
    const call = {
      model: 'm',
      operation: 'chat' as const,
      ok: true,
      inputTokens: 1,
      outputTokens: 1,
      costUsd: 0,
      latencyMs: 1,
    };
    for (let i = 0; i < 105; i++)
      h.metrics.recordProviderCall(tenant, { ...call, provider: `integration-${i}` });
    const providers = new Set(
      (await h.scrape()).labelSets('pulse_provider_calls_total').map((l) => l.provider),
    );
    expect(providers.size).toBe(101);
    expect(providers).toContain('integration-99');
    expect(providers).not.toContain('integration-100');
    expect((await h.scrape()).value('pulse_provider_calls_total', { provider: 'other' })).toBe(5);
  });

  it('labels HTTP requests by route template, never by raw URL', async () => {
    const h = await startApp();
    expect((await h.app.inject({ method: 'GET', url: '/things/secret-123' })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/no/such/path?q=drop+table' })).statusCode).toBe(404);
    const scrape = await h.scrape();
    expect(
      scrape.count('pulse_http_request_duration_seconds', {
        route: '/things/:id',
        method: 'GET',
        status: '200',
      }),
    ).toBe(1);
    expect(scrape.count('pulse_http_request_duration_seconds', { route: 'unmatched', status: '404' })).toBe(
      1,
    );
    expect(scrape.text).not.toContain('secret-123');
    expect(scrape.text).not.toContain('/no/such/path');
  });

  it('reads queue depth from the registered collector at scrape time', async () => {
    const h = await startApp();
    let waiting = 3;
    h.metrics.registerQueueCollector(() =>
      Promise.resolve({ vectorize: { waiting, active: 1, failed: 2, completed: 10, delayed: 0 } }),
    );
    expect((await h.scrape()).value('pulse_queue_jobs', { queue: 'vectorize', state: 'waiting' })).toBe(3);
    waiting = 0;
    const scrape = await h.scrape();
    expect(scrape.value('pulse_queue_jobs', { queue: 'vectorize', state: 'waiting' })).toBe(0);
    expect(scrape.value('pulse_queue_jobs', { queue: 'vectorize', state: 'failed' })).toBe(2);
  });

  it('still answers when the queue collector hangs, and counts the failure', async () => {
    const h = await startApp();
    h.metrics.registerQueueCollector(() => new Promise(() => undefined));
    expect((await h.scrape()).value('pulse_queue_jobs', { queue: 'vectorize' })).toBe(0);
    h.metrics.registerQueueCollector(() => Promise.resolve({}));
    expect((await h.scrape()).value('pulse_metrics_collect_errors_total', { source: 'queues' })).toBe(1);
  });
});

describe('GET /v1/metrics/performance', () => {
  it("matches what happened: a tenant sees its own figures, the admin sees everyone's", async () => {
    const h = await startApp();
    const a = randomUUID();
    const b = randomUUID();
    // Tenant A: 10 queries, 7 cache hits (5 exact, 2 semantic), 2 simple, 1 complex.
    for (let i = 1; i <= 5; i++) h.metrics.recordQuery(a, query({ cacheKind: 'exact', latencyMs: i }));
    for (const ms of [6, 7]) h.metrics.recordQuery(a, query({ cacheKind: 'semantic', latencyMs: ms }));
    for (const ms of [100, 300])
      h.metrics.recordQuery(a, query({ route: 'simple', cacheKind: null, latencyMs: ms }));
    h.metrics.recordQuery(a, query({ route: 'complex', cacheKind: null, latencyMs: 2500 }));
    const call = { model: 'm', operation: 'chat' as const, latencyMs: 5, ok: true };
    h.metrics.recordProviderCall(a, {
      ...call,
      provider: 'llm-a',
      inputTokens: 100,
      outputTokens: 20,
      costUsd: 0.1,
    });
    h.metrics.recordProviderCall(a, {
      ...call,
      provider: 'llm-a',
      inputTokens: 50,
      outputTokens: 5,
      costUsd: 0.2,
    });
    h.metrics.recordProviderCall(a, {
      ...call,
      provider: 'llm-a',
      ok: false,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
    });
    h.metrics.recordEmbedding({ model: 'use', texts: 12, cacheHits: 0, latencyMs: 3, tenantId: a });
    // Tenant B: 4 queries, 1 hit.
    h.metrics.recordQuery(b, query({ cacheKind: 'exact', latencyMs: 1000 }));
    for (let i = 0; i < 3; i++)
      h.metrics.recordQuery(b, query({ route: 'simple', cacheKind: null, latencyMs: 50 }));
    h.metrics.recordProviderCall(b, {
      ...call,
      provider: 'llm-b:eu',
      inputTokens: 7,
      outputTokens: 3,
      costUsd: 0.05,
    });
    h.metrics.recordEmbedding({ model: 'use', texts: 4, cacheHits: 0, latencyMs: 3, tenantId: b });
    h.metrics.recordEmbedding({ model: 'use', texts: 2, cacheHits: 0, latencyMs: 3 });
    h.metrics.registerEmbeddingInfo(() => ({ model: 'use-lite-512' }));

    const ra = await h.performance(a);
    expect(ra.cache).toEqual({ hits: 7, misses: 3, hitRate: 0.7, exactHits: 5, semanticHits: 2 });
    expect(ra.routes).toEqual({ cached: 7, simple: 2, complex: 1 });
    expect(ra.latencyMs.cached).toEqual({ p50: 4, p95: 7, samples: 7 });
    expect(ra.latencyMs.simple).toEqual({ p50: 100, p95: 300, samples: 2 });
    expect(ra.providers).toEqual([
      { name: 'llm-a', calls: 3, errors: 1, inputTokens: 150, outputTokens: 25, costUsd: 0.3 },
    ]);
    expect(ra.embedding).toEqual({ model: 'use-lite-512', textsEmbedded: 12 });
    expect(ra.queues.vectorize).toEqual({ waiting: 0, active: 0, failed: 0, completed: 0, delayed: 0 });
    expect(JSON.stringify(ra)).not.toContain('llm-b');

    const rb = await h.performance(b);
    expect(rb.cache.hitRate).toBe(0.25);
    expect(rb.latencyMs.cached.p50).toBe(1000);
    expect(rb.latencyMs.complex).toEqual({ p50: null, p95: null, samples: 0 });
    expect(rb.providers.map((p) => p.name)).toEqual(['llm-b:eu']);

    const all = await h.performance('admin');
    expect(all.scope).toBe('all');
    expect(all.cache).toEqual({ hits: 8, misses: 6, hitRate: 8 / 14, exactHits: 6, semanticHits: 2 });
    expect(all.routes).toEqual({ cached: 8, simple: 5, complex: 1 });
    expect(all.latencyMs.cached.samples).toBe(8);
    expect(all.providers.map((p) => [p.name, p.calls])).toEqual([
      ['llm-a', 3],
      ['llm-b:eu', 1],
    ]);
    expect(all.embedding.textsEmbedded).toBe(18);

    const onlyB = await h.performance('admin', `?tenantId=${b}`);
    expect(onlyB.routes).toEqual(rb.routes);
  });

  it('a tenant cannot ask for another tenant with ?tenantId=', async () => {
    const h = await startApp();
    const a = randomUUID();
    const b = randomUUID();
    h.metrics.recordQuery(b, query());
    const r = await h.performance(a, `?tenantId=${b}`);
    expect(r.routes.cached).toBe(0);
  });

  it('shares figures across pods: a second app on the same Redis prefix reads what the first recorded', async () => {
    const prefix = `${process.env.REDIS_PREFIX}-shared-${randomUUID().slice(0, 8)}`;
    const pod1 = await startApp({ REDIS_PREFIX: prefix });
    const pod2 = await startApp({ REDIS_PREFIX: prefix });
    const tenant = randomUUID();
    pod1.metrics.recordQuery(tenant, query({ cacheKind: null, route: 'simple' }));
    pod2.metrics.recordQuery(tenant, query());
    await pod1.metrics.flush();
    expect((await pod2.performance(tenant)).cache).toMatchObject({ hits: 1, misses: 1, hitRate: 0.5 });
    expect((await pod1.performance(tenant)).routes).toEqual({ cached: 1, simple: 1, complex: 0 });
  });

  it('refuses a request the auth guard did not identify', async () => {
    const h = await startApp();
    expect(() => h.app.get(PerformanceController).get(undefined)).toThrow(
      expect.objectContaining({ code: ErrorCode.UNAUTHORIZED }) as Error,
    );
  });
});

describe('when Redis is down', () => {
  it('recording still succeeds and counts the lost write; the performance endpoint reports the dependency', async () => {
    const h = await startApp({ REDIS_URL: 'redis://127.0.0.1:1' });
    const tenant = randomUUID();
    expect(() => h.metrics.recordQuery(tenant, query())).not.toThrow();
    await h.metrics.flush();
    const scrape = await h.scrape();
    expect(scrape.value('pulse_queries_total')).toBe(1);
    expect(scrape.value('pulse_performance_store_errors_total')).toBe(1);
    await expect(h.app.get(PerformanceService).get(tenant)).rejects.toMatchObject({
      code: ErrorCode.DEPENDENCY_UNAVAILABLE,
    });
  });
});
