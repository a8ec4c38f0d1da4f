import { randomUUID } from 'node:crypto';
import {
  startQdrantTestServer,
  type QdrantTestServer,
} from '../../../libs/vector/src/testing/qdrant-test-server';
import { eventually } from './support/eventually';
import { startQueryTestApp, type QueryTestApp } from './support/query-test-kit';
import { expectErrorShape } from './support/test-app';

const QUESTIONS = [
  'Open incidents by priority',
  'Work items by status',
  'What fraction of bugs get reopened after a release?',
  'Merged PRs by author since March',
];

async function jobDone(t: QueryTestApp, apiKey: string, jobId: string): Promise<any> {
  let last: any;
  await eventually(
    async () => {
      last = (await t.request({ method: 'GET', url: `/v1/ai/jobs/${jobId}`, token: apiKey })).body;
      return last.status === 'done' || last.status === 'failed';
    },
    { timeoutMs: 90_000, what: `job ${jobId} finished` },
  );
  return last;
}

/** The parts of an answer that do not depend on when or how often it was asked. */
const answerOf = (r: any) =>
  r.error ? { error: { code: r.error.code } } : { columns: r.columns, rows: r.rows, sql: r.sql };

describe('POST /v1/ai/jobs and GET /v1/ai/jobs/{jobId}: questions answered by the queue worker', () => {
  let t: QueryTestApp;
  let a: { id: string; apiKey: string };
  let b: { id: string; apiKey: string };

  beforeAll(async () => {
    t = await startQueryTestApp();
    a = await t.createTenant();
    b = await t.createTenant();
    await t.seedFixture([a, b], { seed: 3, size: { workItems: 200, pullRequests: 120, deployments: 80 } });
  });

  afterAll(async () => {
    await t?.close();
  });

  const submit = (apiKey: string, body: unknown) =>
    t.request({ method: 'POST', url: '/v1/ai/jobs', token: apiKey, body });

  it('answers every question in input order, each as /v1/ai/query would, failures in the error shape', async () => {
    const created = await submit(a.apiKey, { questions: QUESTIONS, options: { noCache: true } });
    expect(created.status).toBe(202);
    expect(created.body).toEqual({ jobId: expect.stringMatching(/^[0-9a-f-]{36}$/) });

    const job = await jobDone(t, a.apiKey, created.body.jobId);
    expect(job).toEqual(
      expect.objectContaining({
        jobId: created.body.jobId,
        status: 'done',
        progress: { done: QUESTIONS.length, total: QUESTIONS.length },
        createdAt: expect.any(String),
        finishedAt: expect.any(String),
      }),
    );
    expect(job.results).toHaveLength(QUESTIONS.length);
    for (const [i, question] of QUESTIONS.entries()) {
      const direct = await t.ask(a.apiKey, question, { noCache: true });
      const expected = direct.status === 200 ? direct.body : { error: direct.body.error };
      expect({ question, answer: answerOf(job.results[i]) }).toEqual({
        question,
        answer: answerOf(expected),
      });
      if (direct.status === 200) expect(job.results[i].question).toBe(question);
    }
    expect(job.results[2]).toEqual({
      error: expect.objectContaining({ code: 'CANNOT_ANSWER', message: expect.any(String) }),
    });
    expect(job.results[2].error.details.unrecognized).toContain('reopened');
  });

  it('a job is visible only to its own tenant: another tenant gets 404', async () => {
    const created = await submit(a.apiKey, { questions: ['Open PRs by repository'] });
    expect(created.status).toBe(202);
    await jobDone(t, a.apiKey, created.body.jobId);

    const other = await t.request({
      method: 'GET',
      url: `/v1/ai/jobs/${created.body.jobId}`,
      token: b.apiKey,
    });
    expect(other.status).toBe(404);
    expectErrorShape(other.body, 'NOT_FOUND');
    expect(JSON.stringify(other.body)).not.toContain('Open PRs');

    const unknown = await t.request({ method: 'GET', url: `/v1/ai/jobs/${randomUUID()}`, token: a.apiKey });
    expect(unknown.status).toBe(404);
    expectErrorShape(unknown.body, 'NOT_FOUND');
  });

  it('bad input gets a 4xx in the error shape', async () => {
    const cases: [string, Promise<{ status: number; body: any }>, number][] = [
      ['no questions', submit(a.apiKey, { questions: [] }), 400],
      ['101 questions', submit(a.apiKey, { questions: Array.from({ length: 101 }, () => 'Open PRs') }), 400],
      ['blank question', submit(a.apiKey, { questions: ['Open PRs', '  '] }), 400],
      ['question too long', submit(a.apiKey, { questions: ['x'.repeat(2001)] }), 400],
      ['questions not an array', submit(a.apiKey, { questions: 'Open PRs' }), 400],
      ['a tenant id in the body', submit(a.apiKey, { questions: ['Open PRs'], tenantId: b.id }), 400],
      [
        'malformed JSON',
        t.request({ method: 'POST', url: '/v1/ai/jobs', token: a.apiKey, payload: '{"questions":' }),
        400,
      ],
      ['job id not a UUID', t.request({ method: 'GET', url: '/v1/ai/jobs/42', token: a.apiKey }), 400],
      ['no key', t.request({ method: 'POST', url: '/v1/ai/jobs', body: { questions: ['Open PRs'] } }), 401],
      ['no key to read', t.request({ method: 'GET', url: `/v1/ai/jobs/${randomUUID()}` }), 401],
    ];
    for (const [what, pending, status] of cases) {
      const res = await pending;
      expect({ what, status: res.status }).toEqual({ what, status });
      expectErrorShape(res.body);
    }
  });
});

describe('AI jobs across an API restart (API and worker as separate roles)', () => {
  const apps: QueryTestApp[] = [];
  let qdrant: QdrantTestServer;
  beforeAll(async () => {
    // Split roles need a vector store both processes share.
    qdrant = await startQdrantTestServer();
  });
  afterAll(async () => {
    for (const app of apps.splice(0)) await app.close();
    await qdrant?.close();
  });

  it('a job queued before the API restarts is answered by the worker and readable after it, then expires', async () => {
    const env = {
      PROCESS_ROLE: 'api',
      AI_JOB_RETENTION_S: '2',
      VECTOR_STORE: 'qdrant',
      QDRANT_URL: qdrant.url,
    };
    const first = await startQueryTestApp(env);
    apps.push(first);
    const tenant = await first.createTenant();
    await first.seedFixture([tenant], {
      seed: 4,
      size: { workItems: 150, pullRequests: 80, deployments: 60 },
    });
    const created = await first.request({
      method: 'POST',
      url: '/v1/ai/jobs',
      token: tenant.apiKey,
      body: { questions: ['Open incidents by priority', 'Work items by status'] },
    });
    expect(created.status).toBe(202);
    const { jobId } = created.body as { jobId: string };
    await first.close();
    apps.splice(apps.indexOf(first), 1);

    const second = await startQueryTestApp(env);
    apps.push(second);
    const queued = await second.request({ method: 'GET', url: `/v1/ai/jobs/${jobId}`, token: tenant.apiKey });
    expect(queued.status).toBe(200);
    expect(queued.body).toEqual(
      expect.objectContaining({ status: 'queued', progress: { done: 0, total: 2 }, results: [] }),
    );

    apps.push(await startQueryTestApp({ ...env, PROCESS_ROLE: 'worker' }));
    const job = await jobDone(second, tenant.apiKey, jobId);
    expect(job.status).toBe('done');
    expect(job.results.map((r: any) => r.question)).toEqual([
      'Open incidents by priority',
      'Work items by status',
    ]);
    const direct = await second.ask(tenant.apiKey, 'Work items by status', { noCache: true });
    expect(job.results[1].rows).toEqual(direct.body.rows);

    // Kept for AI_JOB_RETENTION_S: BullMQ drops expired jobs when a later job of the queue finishes.
    await new Promise((r) => setTimeout(r, 2_500));
    const later = await second.request({
      method: 'POST',
      url: '/v1/ai/jobs',
      token: tenant.apiKey,
      body: { questions: ['Open PRs by repository'] },
    });
    await jobDone(second, tenant.apiKey, later.body.jobId);
    const expired = await second.request({
      method: 'GET',
      url: `/v1/ai/jobs/${jobId}`,
      token: tenant.apiKey,
    });
    expect(expired.status).toBe(404);
  }, 240_000);
});
