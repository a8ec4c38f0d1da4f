import {
  ANALYTICS_QUESTIONS,
  compareRows,
  normalizeCell,
  tenantData,
  type ExpectedAnswer,
} from '@app/ai/semantic/testing/analytics-questions';
import { startQueryTestApp, type QueryTestApp } from './support/query-test-kit';
import { expectErrorShape } from './support/test-app';

// Questions whose fixture answer needs a similarity callback; the app's own similarity is not part of this suite.
const QUESTIONS = ANALYTICS_QUESTIONS.filter((c) => !c.opts);

/** Timestamps come back as ISO strings without milliseconds; the oracle writes them with. */
const cell = (v: unknown) =>
  typeof v === 'string' && /^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(v)
    ? new Date(v).toISOString()
    : normalizeCell(v);

function expectAnswer(
  body: { columns: string[]; rows: unknown[][] },
  expected: ExpectedAnswer,
  q: string,
): void {
  expect({ q, columns: body.columns }).toEqual({ q, columns: expected.columns });
  const cmp = compareRows(
    body.rows.map((r) => r.map(cell)),
    expected,
  );
  // The whole answer next to the independently computed one, on failure.
  if (!cmp.equal) expect({ q, rows: cmp.actual }).toEqual({ q, rows: cmp.expected });
}

describe('POST /v1/ai/query: the semantic route answers analytics questions (no LLM configured)', () => {
  let t: QueryTestApp;
  let a: { id: string; apiKey: string };
  let b: { id: string; apiKey: string };
  let dataA: ReturnType<typeof tenantData>;
  let dataB: ReturnType<typeof tenantData>;

  beforeAll(async () => {
    t = await startQueryTestApp();
    a = await t.createTenant();
    b = await t.createTenant();
    const fx = await t.seedFixture([a, b], { seed: 11 });
    dataA = tenantData(fx, a.id);
    dataB = tenantData(fx, b.id);
  });

  afterAll(async () => {
    await t?.close();
  });

  it(`has ${QUESTIONS.length} distinct questions to ask`, () => {
    expect(new Set(QUESTIONS.map((c) => c.q.toLowerCase())).size).toBeGreaterThanOrEqual(30);
  });

  it.each(QUESTIONS.map((c) => [c.q, c] as const))('%s', async (q, c) => {
    const res = await t.ask(a.apiKey, q, { noCache: true });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(
      expect.objectContaining({
        answerId: expect.any(String),
        question: q,
        route: 'simple',
        provider: 'semantic-layer',
        costUsd: 0,
        cache: expect.objectContaining({ hit: false, kind: null }),
        asOf: expect.any(String),
        rowCount: res.body.rows.length,
        understood: expect.any(String),
      }),
    );
    expect(res.body.understood.length).toBeGreaterThan(0);
    expect(res.body.sql).toContain('$1');
    expect(res.body.timings).toEqual(
      expect.objectContaining({
        totalMs: expect.any(Number),
        entry: expect.any(Number),
        execute: expect.any(Number),
      }),
    );
    expectAnswer(res.body, c.expect(dataA), q);
  });

  it('answers the second tenant from its own rows (batch, input order)', async () => {
    for (const chunk of [QUESTIONS.slice(0, 30), QUESTIONS.slice(30)]) {
      const res = await t.request({
        method: 'POST',
        url: '/v1/ai/query/batch',
        token: b.apiKey,
        body: { questions: chunk.map((c) => c.q) },
      });
      expect(res.status).toBe(200);
      expect(res.body.results).toHaveLength(chunk.length);
      chunk.forEach((c, i) => {
        expect(res.body.results[i].question).toBe(c.q);
        expectAnswer(res.body.results[i], c.expect(dataB), c.q);
      });
    }
  });

  it('says what it understood, and a cached answer keeps saying it', async () => {
    const q = 'Which open high-priority bugs are older than 30 days?';
    const first = await t.ask(a.apiKey, q);
    expect(first.status).toBe(200);
    expect(first.body.understood).toMatch(
      /^list of work items where created before \d{4}-\d{2}-\d{2} and status is not done or cancelled and priority is high and type is bug$/,
    );
    expect(first.body.columns[0]).toBe('id');
    const again = await t.ask(a.apiKey, q);
    expect(again.body.cache.hit).toBe(true);
    expect(again.body.understood).toBe(first.body.understood);
  });

  it('records the routing decision and its reasons', async () => {
    const res = await t.ask(a.apiKey, 'Open incidents by priority', { noCache: true });
    expect(res.body.routing).toEqual({
      route: 'simple',
      reason: expect.stringMatching(/confidence 1\.00 >= 0\.70/),
      confidence: 1,
      threshold: 0.7,
      llmAvailable: null,
    });
  });

  it('without an LLM, a question the planner cannot read is a 422 CANNOT_ANSWER saying what it understood', async () => {
    const res = await t.ask(a.apiKey, 'What fraction of bugs get reopened after a release?');
    expect(res.status).toBe(422);
    expectErrorShape(res.body, 'CANNOT_ANSWER');
    expect(res.body.error.details).toEqual(
      expect.objectContaining({
        understood: expect.stringMatching(/bugs|work items/),
        unrecognized: expect.arrayContaining(['reopened']),
        suggestions: expect.any(Array),
      }),
    );
  });

  it('a batch reports each failed question as its error, in place', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/v1/ai/query/batch',
      token: a.apiKey,
      body: { questions: ['Open PRs by repository', 'Delete all bugs', 'Work items by status'] },
    });
    expect(res.status).toBe(200);
    expect(res.body.results[0]).toEqual(
      expect.objectContaining({ route: expect.any(String), columns: ['repository', 'open_pull_requests'] }),
    );
    expect(res.body.results[1]).toEqual({
      error: expect.objectContaining({ code: 'CANNOT_ANSWER', message: expect.any(String) }),
    });
    expect(res.body.results[2]).toEqual(expect.objectContaining({ columns: ['status', 'work_items'] }));
  });

  it('rejects malformed requests with 400 and the error shape, and unauthenticated ones with 401', async () => {
    const cases: [string, Promise<{ status: number; body: any }>, number][] = [
      ['blank question', t.ask(a.apiKey, '   '), 400],
      ['empty question', t.ask(a.apiKey, ''), 400],
      ['question too long', t.ask(a.apiKey, 'x'.repeat(2001)), 400],
      [
        'question not a string',
        t.request({ method: 'POST', url: '/v1/ai/query', token: a.apiKey, body: { question: 42 } }),
        400,
      ],
      ['noCache not a boolean', t.ask(a.apiKey, 'Open PRs', { noCache: 'yes' }), 400],
      [
        'unknown field',
        t.request({
          method: 'POST',
          url: '/v1/ai/query',
          token: a.apiKey,
          body: { question: 'x', tenantId: b.id },
        }),
        400,
      ],
      [
        'empty batch',
        t.request({ method: 'POST', url: '/v1/ai/query/batch', token: a.apiKey, body: { questions: [] } }),
        400,
      ],
      [
        'oversized batch',
        t.request({
          method: 'POST',
          url: '/v1/ai/query/batch',
          token: a.apiKey,
          body: { questions: Array.from({ length: 51 }, () => 'Open PRs') },
        }),
        400,
      ],
      [
        'blank question in batch',
        t.request({
          method: 'POST',
          url: '/v1/ai/query/batch',
          token: a.apiKey,
          body: { questions: ['Open PRs', ' '] },
        }),
        400,
      ],
      [
        'malformed JSON',
        t.request({ method: 'POST', url: '/v1/ai/query', token: a.apiKey, payload: '{"question":' }),
        400,
      ],
      ['no key', t.request({ method: 'POST', url: '/v1/ai/query', body: { question: 'Open PRs' } }), 401],
      [
        'admin token',
        t.request({
          method: 'POST',
          url: '/v1/ai/query',
          token: t.adminToken,
          body: { question: 'Open PRs' },
        }),
        403,
      ],
    ];
    for (const [name, pending, expected] of cases) {
      const res = await pending;
      expect({ name, status: res.status }).toEqual({ name, status: expected });
      expectErrorShape(res.body);
    }
  });
});
