import {
  startOpenAiTestServer,
  type ChatRequestBody,
  type OpenAiTestServer,
} from '@app/common/testing/openai-test-server';
import { llmIntegration, type LlmIntegration } from '@app/ai/query/testing/query-test-kit';
import type { AnalyticsFixture } from '@app/ai/semantic/testing/fixtures';
import { eventually } from './support/eventually';
import { startQueryTestApp, type QueryTestApp } from './support/query-test-kit';
import { expectErrorShape } from './support/test-app';

const sqlAnswer = (sql: string) => JSON.stringify({ sql });
const lastUserMessage = (body: ChatRequestBody) =>
  body.messages.filter((m) => m.role === 'user').pop()?.content ?? '';
const promptOf = (body: unknown) => (body as ChatRequestBody).messages.map((m) => m.content).join('\n');

describe('POST /v1/ai/query: the LLM route (complex questions through an OpenAI-compatible server)', () => {
  let t: QueryTestApp;
  const servers: OpenAiTestServer[] = [];

  beforeAll(async () => {
    t = await startQueryTestApp({ LLM_MAX_RETRIES: '0', LLM_BREAKER_FAILURES: '50' });
  });

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  afterAll(async () => {
    await t?.close();
  });

  async function serve(chat: (body: ChatRequestBody) => string): Promise<OpenAiTestServer> {
    const server = await startOpenAiTestServer({ chat });
    servers.push(server);
    return server;
  }

  /** Two tenants with fixture data; the first gets the given LLM integrations. */
  async function tenants(llms: Record<string, LlmIntegration>, budgetUsd?: number) {
    const res = await t.request({
      method: 'POST',
      url: '/v1/admin/tenants',
      token: t.adminToken,
      body: {
        slug: `llm-${Date.now()}-${Math.round(Math.random() * 1e6)}`,
        name: 'LLM tenant',
        ...(budgetUsd === undefined ? {} : { monthlyBudgetUsd: budgetUsd }),
      },
    });
    expect(res.status).toBe(201);
    const a = res.body as { id: string; apiKey: string };
    const b = await t.createTenant();
    const fx = await t.seedFixture([a, b], {
      seed: 5,
      size: { workItems: 200, pullRequests: 150, deployments: 100 },
    });
    for (const [name, settings] of Object.entries(llms)) {
      const put = await t.request({
        method: 'PUT',
        url: `/v1/integrations/${name}`,
        token: a.apiKey,
        body: llmIntegration(settings),
      });
      expect(put.status).toBe(200);
    }
    return { a, b, fx };
  }

  const mergedWithoutReview = (fx: AnalyticsFixture, tenantId: string) => {
    const counts = new Map<string, number>();
    for (const p of fx.pullRequests) {
      if (p.tenantId !== tenantId || p.state !== 'merged' || p.reviewers.length > 0) continue;
      if (p.mergedAt! < new Date('2026-03-01T00:00:00Z')) continue;
      counts.set(p.author, (counts.get(p.author) ?? 0) + 1);
    }
    return [...counts].sort(([x], [y]) => (x < y ? -1 : 1)).map(([author, n]) => [author, n]);
  };

  it('answers a complex question with the model’s SQL, showing it the schema subset and similar past questions', async () => {
    const llm = await serve(() =>
      sqlAnswer(
        "SELECT author, count(*) AS merged_without_review FROM pull_requests WHERE state = 'merged' AND merged_at >= '2026-03-01T00:00:00Z' AND cardinality(reviewers) = 0 GROUP BY author ORDER BY author",
      ),
    );
    const { a, fx } = await tenants({
      gateway: { baseUrl: llm.url, inputCostPer1k: 0.001, outputCostPer1k: 0.002 },
    });

    // A question the semantic layer answers becomes this tenant's example once its embedding is stored.
    const past = await t.ask(a.apiKey, 'Merged PRs by author since March');
    expect(past.body.route).toBe('simple');
    await eventually(
      async () =>
        (
          await t.pool.query(
            'SELECT 1 FROM query_history WHERE tenant_id = $1 AND question_embedding IS NOT NULL',
            [a.id],
          )
        ).rowCount === 1,
      { what: 'past question stored with its embedding' },
    );

    const res = await t.ask(a.apiKey, 'Merged PRs by author since March, only ones without reviewers');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(
      expect.objectContaining({
        route: 'complex',
        provider: 'gateway',
        model: 'test-model',
        columns: ['author', 'merged_without_review'],
        cache: expect.objectContaining({ hit: false }),
      }),
    );
    expect(res.body.costUsd).toBeGreaterThan(0);
    expect(res.body.routing.reason).toMatch(/confidence .* < 0\.70; an LLM writes the SQL/);
    expect(res.body.rows).toEqual(mergedWithoutReview(fx, a.id));
    expect(res.body.sql).toMatch(/tenant_id = \$1/);
    expect(res.body.timings).toEqual(
      expect.objectContaining({
        retrieve: expect.any(Number),
        generate: expect.any(Number),
        validate: expect.any(Number),
        llm: expect.any(Number),
      }),
    );

    expect(llm.requests).toHaveLength(1);
    const prompt = promptOf(llm.requests[0].body);
    expect(prompt).toMatch(/TABLE pull_requests/);
    expect(prompt).toMatch(/reviewers text\[\]/);
    expect(prompt).toMatch(/state text -- state; one of: open, merged, closed/);
    expect(prompt).not.toMatch(/TABLE deployments/);
    expect(prompt).not.toMatch(/tenant_id (uuid|text)/);
    expect(prompt).toMatch(/tenant filter is added automatically/);
    expect(prompt).toContain('Q: Merged PRs by author since March');
    expect(prompt).toMatch(/SQL: SELECT author, count\(\*\) AS merged_pull_requests FROM pull_requests/);
    expect((llm.requests[0].body as { response_format?: unknown }).response_format).toEqual({
      type: 'json_object',
    });
  });

  it('feeds a rejected query back to the model and succeeds in the correction round (2 calls)', async () => {
    const llm = await serve((body) =>
      /rejected/.test(lastUserMessage(body))
        ? sqlAnswer(
            "SELECT count(*) AS reopened FROM work_items WHERE type = 'bug' AND status = 'in_progress'",
          )
        : sqlAnswer("SELECT count(*) AS reopened FROM work_items WHERE type = 'bug' AND reopened_count > 0"),
    );
    const { a, fx } = await tenants({ gateway: { baseUrl: llm.url } });
    const res = await t.ask(a.apiKey, 'How many bugs get reopened after a release?');
    expect(res.status).toBe(200);
    expect(res.body.route).toBe('complex');
    expect(res.body.rows).toEqual([
      [
        fx.workItems.filter((w) => w.tenantId === a.id && w.type === 'bug' && w.status === 'in_progress')
          .length,
      ],
    ]);
    expect(llm.requests).toHaveLength(2);
    const correction = lastUserMessage(llm.requests[1].body as ChatRequestBody);
    expect(correction).toMatch(/rejected: .*reopened_count/);
    expect(promptOf(llm.requests[1].body)).toContain('reopened_count > 0');
  });

  it('a model that never writes acceptable SQL gets 422 SQL_REJECTED after two corrections', async () => {
    const llm = await serve(() => 'I think you should look at the bugs table.');
    const { a } = await tenants({ gateway: { baseUrl: llm.url } });
    const res = await t.ask(a.apiKey, 'Which engineers are overloaded right now?');
    expect(res.status).toBe(422);
    expectErrorShape(res.body, 'SQL_REJECTED');
    expect(res.body.error.details.attempts).toHaveLength(3);
    expect(llm.requests).toHaveLength(3);
  });

  describe('hostile SQL from the model never runs', () => {
    const rejected: [string, string][] = [
      ['a write', 'DELETE FROM work_items'],
      ['a write in a CTE', 'WITH gone AS (DELETE FROM work_items RETURNING id) SELECT count(*) FROM gone'],
      ['DDL', 'DROP TABLE work_items'],
      ['multiple statements', 'SELECT 1; DELETE FROM work_items'],
      ['a system catalog', 'SELECT usename, passwd FROM pg_catalog.pg_shadow'],
      ['information_schema', 'SELECT table_name FROM information_schema.tables'],
      ['a non-business table', 'SELECT prefix, hash FROM api_keys'],
      ['a sleep', 'SELECT pg_sleep(30)'],
      ['a sleep in a subquery', 'SELECT title FROM work_items WHERE (SELECT pg_sleep(30)) IS NOT NULL'],
      [
        'another tenant by id',
        "SELECT title FROM work_items WHERE tenant_id = '00000000-0000-4000-8000-000000000000'",
      ],
      ['file access', "SELECT pg_read_file('/etc/passwd')"],
      ['set role', 'SET ROLE postgres'],
    ];

    it.each(rejected)('%s → 422 SQL_REJECTED, nothing executed', async (_name, sql) => {
      const llm = await serve(() => sqlAnswer(sql));
      const { a, b } = await tenants({ gateway: { baseUrl: llm.url } });
      const workItemCount = () =>
        t.pool
          .query('SELECT count(*)::int AS n FROM work_items WHERE tenant_id = ANY($1)', [[a.id, b.id]])
          .then((r) => r.rows[0].n as number);
      const before = await workItemCount();
      const started = Date.now();
      const res = await t.ask(a.apiKey, 'Show me the riskiest services');
      expect(res.status).toBe(422);
      expectErrorShape(res.body, 'SQL_REJECTED');
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(llm.requests).toHaveLength(3);
      expect(await workItemCount()).toBe(before);
    });

    it.each([
      ['OR 1=1', "SELECT external_id, title FROM work_items WHERE type = 'bug' OR 1=1"],
      [
        'a UNION over the same table',
        "SELECT external_id, title FROM work_items WHERE type = 'bug' UNION SELECT external_id, title FROM work_items w2 WHERE 1=1",
      ],
      ['a self-join', 'SELECT w2.external_id, w2.title FROM work_items w1 JOIN work_items w2 ON true'],
    ])('%s is rewritten: only the caller’s rows come back', async (_name, sql) => {
      const llm = await serve(() => sqlAnswer(sql));
      const { a, b, fx } = await tenants({ gateway: { baseUrl: llm.url } });
      const res = await t.ask(a.apiKey, 'Show me the riskiest services');
      expect(res.status).toBe(200);
      const mine = new Set(
        fx.workItems.filter((w) => w.tenantId === a.id).map((w) => `${w.externalId}|${w.title}`),
      );
      const theirs = fx.workItems.filter(
        (w) => w.tenantId === b.id && !mine.has(`${w.externalId}|${w.title}`),
      );
      expect(theirs.length).toBeGreaterThan(0);
      const got = (res.body.rows as string[][]).map(([id, title]) => `${id}|${title}`);
      expect(got.length).toBeGreaterThan(0);
      expect(got.every((k) => mine.has(k))).toBe(true);
    });
  });

  it('falls back to the next integration when one is down, and answers 503 when all are', async () => {
    const down = await startOpenAiTestServer({ fallback: { kind: 'status', status: 500 } });
    servers.push(down);
    const up = await serve(() =>
      sqlAnswer("SELECT count(*) AS incidents FROM work_items WHERE type = 'incident'"),
    );
    const { a, fx } = await tenants({
      primary: { baseUrl: down.url, priority: 0 },
      backup: { baseUrl: up.url, priority: 1 },
    });
    const res = await t.ask(a.apiKey, 'What share of incidents were caused by a deployment?');
    expect(res.status).toBe(200);
    expect(res.body.provider).toBe('backup');
    expect(res.body.rows).toEqual([
      [fx.workItems.filter((w) => w.tenantId === a.id && w.type === 'incident').length],
    ]);
    expect(down.requests.length).toBeGreaterThanOrEqual(1);

    up.setScript([], { kind: 'status', status: 503 });
    const out = await t.ask(a.apiKey, 'Which services are the riskiest this quarter?');
    expect(out.status).toBe(503);
    expectErrorShape(out.body, 'DEPENDENCY_UNAVAILABLE');
    expect(out.headers['retry-after']).toBeDefined();
  });

  it('stops spending at the monthly budget: 429 BUDGET_EXCEEDED and no further call reaches the model', async () => {
    // Each answer is padded to ~100 output tokens ($0.10 at $1/1k); a call holds up to 512 tokens ($0.512).
    const llm = await serve(
      () => `${sqlAnswer("SELECT count(*) AS bugs FROM work_items WHERE type = 'bug'")}${' '.repeat(400)}`,
    );
    const { a } = await tenants(
      { gateway: { baseUrl: llm.url, inputCostPer1k: 0, outputCostPer1k: 1 } },
      0.6,
    );
    const first = await t.ask(a.apiKey, 'Which engineers have too much work right now?');
    expect(first.status).toBe(200);
    expect(first.body.costUsd).toBeGreaterThan(0.09);
    expect(llm.requests).toHaveLength(1);

    for (const q of ['Which services are the riskiest?', 'Which deployments happened on a Friday?']) {
      const res = await t.ask(a.apiKey, q);
      expect(res.status).toBe(429);
      expectErrorShape(res.body, 'BUDGET_EXCEEDED');
    }
    expect(llm.requests).toHaveLength(1);

    // Questions the semantic layer answers still work: they cost nothing.
    const simple = await t.ask(a.apiKey, 'Open incidents by priority');
    expect(simple.status).toBe(200);
    expect(simple.body.costUsd).toBe(0);
  });
});
