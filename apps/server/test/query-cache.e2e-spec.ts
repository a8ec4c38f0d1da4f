import { startOpenAiTestServer, type OpenAiTestServer } from '@app/common/testing/openai-test-server';
import { llmIntegration } from '@app/ai/query/testing/query-test-kit';
import { W, within } from '@app/ai/semantic/testing/analytics-questions';
import type { AnalyticsFixture } from '@app/ai/semantic/testing/fixtures';
import { eventually } from './support/eventually';
import { startQueryTestApp, type QueryTestApp } from './support/query-test-kit';
import { workItem, deployment } from './support/records';

const BUGS_LAST_WEEK = 'How many bugs were resolved last week?';

describe('answer caches: exact, semantic, per tenant, invalidated by ETL writes', () => {
  let t: QueryTestApp;
  let llm: OpenAiTestServer;
  let a: { id: string; apiKey: string };
  let b: { id: string; apiKey: string };
  let fx: AnalyticsFixture;

  beforeAll(async () => {
    t = await startQueryTestApp({ LLM_MAX_RETRIES: '0' });
    llm = await startOpenAiTestServer({
      chat: () =>
        JSON.stringify({
          sql: 'SELECT r AS reviewer, count(*) AS reviews FROM pull_requests CROSS JOIN LATERAL unnest(reviewers) AS r GROUP BY r ORDER BY reviews DESC, reviewer',
        }),
    });
    a = await t.createTenant();
    b = await t.createTenant();
    fx = await t.seedFixture([a, b], {
      seed: 23,
      size: { workItems: 300, pullRequests: 200, deployments: 150 },
    });
  });

  afterAll(async () => {
    await t?.close();
    await llm?.close();
  });

  const bugsResolvedLastWeek = (tenantId: string, extra = 0) =>
    fx.workItems.filter(
      (w) =>
        w.tenantId === tenantId &&
        w.type === 'bug' &&
        w.status === 'done' &&
        within(w.resolvedAt, W.lastWeek),
    ).length + extra;

  it('serves a repeated question from the exact cache, and a paraphrase the planner reads the same way semantically', async () => {
    const first = await t.ask(a.apiKey, BUGS_LAST_WEEK);
    expect(first.body).toEqual(
      expect.objectContaining({
        route: 'simple',
        cache: expect.objectContaining({ hit: false, kind: null }),
      }),
    );
    expect(first.body.rows).toEqual([[bugsResolvedLastWeek(a.id)]]);

    const again = await t.ask(a.apiKey, 'how many bugs were resolved last week');
    expect(again.body).toEqual(
      expect.objectContaining({
        route: 'cached',
        cache: expect.objectContaining({ hit: true, kind: 'exact', match: 'text', fresh: true }),
        rows: first.body.rows,
        sql: first.body.sql,
        asOf: first.body.asOf,
        provider: 'semantic-layer',
        costUsd: 0,
      }),
    );
    expect(again.body.routing.reason).toMatch(/exact cache hit/);

    const paraphrase = await t.ask(a.apiKey, 'Number of bugs closed last week');
    expect(paraphrase.body).toEqual(
      expect.objectContaining({
        route: 'cached',
        cache: expect.objectContaining({
          hit: true,
          kind: 'semantic',
          match: 'plan',
          question: BUGS_LAST_WEEK,
        }),
        rows: first.body.rows,
      }),
    );
  });

  it('never serves a look-alike question (another window, type or number)', async () => {
    await t.ask(a.apiKey, 'Top 5 assignees by bugs closed');
    for (const q of [
      'How many bugs were resolved last month?',
      'How many incidents were resolved last week?',
      'Top 3 assignees by bugs closed',
    ]) {
      const res = await t.ask(a.apiKey, q);
      expect({ q, route: res.body.route, hit: res.body.cache.hit }).toEqual({
        q,
        route: 'simple',
        hit: false,
      });
    }
  });

  it('reuses an LLM answer for a paraphrase by embedding similarity, without calling the model again', async () => {
    const put = await t.request({
      method: 'PUT',
      url: '/v1/integrations/gateway',
      token: a.apiKey,
      body: llmIntegration({ baseUrl: llm.url }),
    });
    expect(put.status).toBe(200);
    const calls = llm.requests.length;
    const first = await t.ask(a.apiKey, 'Which reviewers approve the most PRs written by newcomers?');
    expect(first.body.route).toBe('complex');
    const paraphrase = await t.ask(
      a.apiKey,
      'Which reviewers approve the most pull requests written by newcomers?',
    );
    expect(paraphrase.body).toEqual(
      expect.objectContaining({
        route: 'cached',
        provider: 'gateway',
        costUsd: 0,
        rows: first.body.rows,
        cache: expect.objectContaining({ hit: true, kind: 'semantic', match: 'embedding', fresh: true }),
      }),
    );
    expect(paraphrase.body.cache.similarity).toBeGreaterThanOrEqual(0.85);
    const lookAlike = await t.ask(a.apiKey, 'Which reviewers approve the fewest PRs written by newcomers?');
    expect(lookAlike.body.route).toBe('complex');
    expect(llm.requests.length).toBe(calls + 2);
  });

  it('never crosses tenants: the same question from another tenant is a miss with its own numbers', async () => {
    await t.ask(a.apiKey, BUGS_LAST_WEEK);
    const other = await t.ask(b.apiKey, BUGS_LAST_WEEK);
    expect(other.body).toEqual(
      expect.objectContaining({ route: 'simple', cache: expect.objectContaining({ hit: false }) }),
    );
    expect(other.body.rows).toEqual([[bugsResolvedLastWeek(b.id)]]);
    expect(bugsResolvedLastWeek(b.id)).not.toBe(bugsResolvedLastWeek(a.id));
    const paraphrase = await t.ask(
      b.apiKey,
      'Which reviewers approve the most pull requests written by newcomers?',
    );
    expect(paraphrase.status).toBe(422);
  });

  it('an ETL write to a table the answer read makes it re-run: the new row counts, nothing stale is served', async () => {
    const before = await t.ask(a.apiKey, BUGS_LAST_WEEK);
    expect(before.body.route).toBe('cached');
    const n = before.body.rows[0][0] as number;

    // A write to another table leaves the answer fresh.
    const dep = await t.request({
      method: 'POST',
      url: '/v1/etl/deployments/records',
      token: a.apiKey,
      body: { records: [deployment()] },
    });
    expect(dep.status).toBe(202);
    const still = await t.ask(a.apiKey, BUGS_LAST_WEEK);
    expect(still.body.cache).toEqual(expect.objectContaining({ hit: true, fresh: true }));

    const writtenAt = new Date().toISOString();
    const res = await t.request({
      method: 'POST',
      url: '/v1/etl/work_items/records',
      token: a.apiKey,
      body: {
        records: [
          workItem({
            type: 'bug',
            status: 'done',
            createdAt: '2026-11-17T08:00:00.000Z',
            updatedAt: '2026-11-18T08:00:00.000Z',
            resolvedAt: '2026-11-18T09:00:00.000Z',
          }),
        ],
      },
    });
    expect(res.status).toBe(202);

    const after = await t.ask(a.apiKey, BUGS_LAST_WEEK);
    expect(after.body.rows).toEqual([[n + 1]]);
    expect(after.body.cache).toEqual(expect.objectContaining({ hit: true, kind: 'exact', fresh: false }));
    expect(after.body.asOf > writtenAt).toBe(true);
    const paraphrase = await t.ask(a.apiKey, 'Number of bugs closed last week');
    expect(paraphrase.body.rows).toEqual([[n + 1]]);
    const again = await t.ask(a.apiKey, BUGS_LAST_WEEK);
    expect(again.body).toEqual(
      expect.objectContaining({
        rows: [[n + 1]],
        cache: expect.objectContaining({ hit: true, fresh: true }),
      }),
    );

    // The other tenant's cached answer is untouched by A's write.
    const other = await t.ask(b.apiKey, BUGS_LAST_WEEK);
    expect(other.body).toEqual(
      expect.objectContaining({
        rows: [[bugsResolvedLastWeek(b.id)]],
        cache: expect.objectContaining({ hit: true, fresh: true }),
      }),
    );
  });

  it('noCache bypasses the caches', async () => {
    await t.ask(a.apiKey, 'Open incidents by priority');
    const res = await t.ask(a.apiKey, 'Open incidents by priority', { noCache: true });
    expect(res.body).toEqual(
      expect.objectContaining({
        route: 'simple',
        cache: expect.objectContaining({ hit: false, kind: null }),
      }),
    );
  });

  it('reports the cache figures in /v1/metrics/performance: 10 questions, 7 hits → hit rate 0.7', async () => {
    const c = await t.createTenant();
    await t.seedFixture([c], { seed: 3, size: { workItems: 50, pullRequests: 30, deployments: 30 } });
    const questions = [
      'Open incidents by priority', // miss
      'Open incidents by priority', // exact
      'Show open incidents grouped by priority', // semantic (same plan)
      'Change failure rate last 30 days', // miss
      'change failure rate last 30 days?', // exact
      'What was our change failure rate over the last 30 days?', // semantic
      'Open PRs by repository', // miss
      'Open PRs by repository', // exact
      'Open PRs by repository', // exact
      'Open incidents by priority', // exact
    ];
    const routes: string[] = [];
    for (const q of questions) routes.push(`${(await t.ask(c.apiKey, q)).body.cache.kind}`);
    expect(routes).toEqual([
      'null',
      'exact',
      'semantic',
      'null',
      'exact',
      'semantic',
      'null',
      'exact',
      'exact',
      'exact',
    ]);

    let report: any;
    await eventually(
      async () => {
        report = (await t.request({ method: 'GET', url: '/v1/metrics/performance', token: c.apiKey })).body;
        return report.cache.hits + report.cache.misses === 10;
      },
      { what: 'query figures recorded' },
    );
    expect(report.cache).toEqual({ hits: 7, misses: 3, hitRate: 0.7, exactHits: 5, semanticHits: 2 });
    expect(report.routes).toEqual({ cached: 7, simple: 3, complex: 0 });
    expect(report.latencyMs.cached.p50).toEqual(expect.any(Number));
  });
});
