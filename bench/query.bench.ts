/**
 * `npm run bench:query`: the query agent through HTTP on a real port, on a demo-sized dataset (two tenants), with
 * an OpenAI-compatible test server that answers instantly standing in for the LLM. Measures, with baselines from
 * the same run:
 *   - the HTTP floor (GET /health/live) and cached answers, with autocannon at 50 connections in a child process;
 *   - the simple route (planner + guard + execution) and the complex route's overhead without the model's time;
 *   - a replayed workload where ~70% of the questions repeat or paraphrase earlier ones, with an ETL write half
 *     way: hit rate, cross-tenant hits and stale answers (every cached answer is checked against a fresh one).
 * "Server time" is measured inside the server, from Fastify's onRequest to onResponse.
 * Writes bench/results/query.json. Takes ~3–4 minutes.
 *
 *   npm run bench:query
 *   npm run bench:query -- --seconds 10 --size 20000
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig } from '@app/config';
import { PgPoolService } from '@app/database';
import { EmbeddingService } from '@app/embedding';
import { startOpenAiTestServer, type ChatRequestBody } from '@app/common/testing/openai-test-server';
import { insertFixtureFor, llmIntegration } from '../libs/ai/src/query/testing/query-test-kit';
import { PARAPHRASE_PAIRS } from '../libs/ai/src/cache/testing/paraphrase-pairs';
import { ANALYTICS_QUESTIONS } from '../libs/ai/src/semantic/testing/analytics-questions';
import { createAnalyticsFixture, FIXTURE_NOW } from '../libs/ai/src/semantic/testing/fixtures';
import { createApp } from '../apps/server/src/bootstrap';
import globalSetup from '../apps/server/test/global-setup';
import globalTeardown from '../apps/server/test/global-teardown';
import { writeBenchResult, type BenchFigure } from './report-schema';
import { UNTHROTTLED } from './support';

const opts = new Command()
  .option('--seconds <n>', 'seconds per autocannon run', '6')
  .option('--connections <n>', 'autocannon connections', '50')
  .option(
    '--size <n>',
    'work items of the first tenant (pull requests and deployments scale with it)',
    '10000',
  )
  .option('--replay <n>', 'questions per tenant in the replayed workload', '200')
  .option('--profile <file>', 'write a CPU profile of the server during the cached-answer run (.cpuprofile)')
  .parse()
  .opts<{ seconds: string; connections: string; size: string; replay: string; profile?: string }>();

const SECONDS = Number(opts.seconds);
const CONNECTIONS = Number(opts.connections);
const SIZE = Number(opts.size);
const REPLAY = Number(opts.replay);

// ------------------------------------------------------------------------------------------- helpers

const percentile = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};
const r1 = (n: number) => Math.round(n * 10) / 10;
const r3 = (n: number) => Math.round(n * 1000) / 1000;

/** p50 of each node's milliseconds over many answers' `timings`. */
function nodeP50s(timings: Record<string, number>[]): string {
  const names = [...new Set(timings.flatMap((t) => Object.keys(t)))];
  return names
    .map(
      (n) =>
        `${n} ${percentile(
          timings.map((t) => t[n] ?? 0),
          50,
        ).toFixed(1)}`,
    )
    .join(', ');
}
const r2 = (n: number) => Math.round(n * 100) / 100;

/** Server-side time per request, from onRequest to onResponse, collected while `label` is set. */
class ServerClock {
  label: string | null = null;
  readonly samples = new Map<string, number[]>();

  install(app: NestFastifyApplication): void {
    const fastify = app.getHttpAdapter().getInstance();
    const started = new WeakMap<object, bigint>();
    fastify.addHook('onRequest', (req, _reply, done) => {
      started.set(req.raw, process.hrtime.bigint());
      done();
    });
    fastify.addHook('onResponse', (req, _reply, done) => {
      const t0 = started.get(req.raw);
      if (this.label && t0 !== undefined) {
        const list = this.samples.get(this.label) ?? [];
        list.push(Number(process.hrtime.bigint() - t0) / 1e6);
        this.samples.set(this.label, list);
      }
      done();
    });
  }

  async measure<T>(label: string, fn: () => Promise<T>): Promise<T> {
    this.label = label;
    try {
      return await fn();
    } finally {
      this.label = null;
    }
  }

  p50(label: string): number {
    return percentile(this.samples.get(label) ?? [], 50);
  }
}

interface CannonResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** This process's CPU time (the server's: the load generator runs in a child) per request answered. */
  cpuMsPerRequest: number;
}

/** autocannon in a child process, so the load generator does not share the server's event loop. */
function cannon(
  url: string,
  requests: { method: 'GET' | 'POST'; path: string; body?: string }[],
  headers: Record<string, string>,
): Promise<CannonResult> {
  const script = `
    const autocannon = require('autocannon');
    const o = JSON.parse(process.argv[1]);
    autocannon({ url: o.url, connections: o.connections, duration: o.seconds, headers: o.headers, requests: o.requests }, (err, r) => {
      if (err) { console.error(err); process.exit(1); }
      console.log(JSON.stringify({ rps: r.requests.average, total: r.requests.total, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx }));
    });`;
  const arg = JSON.stringify({ url, connections: CONNECTIONS, seconds: SECONDS, headers, requests });
  const cpu = process.cpuUsage();
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-e', script, arg],
      { cwd: process.cwd(), maxBuffer: 1 << 20 },
      (err, stdout) => {
        if (err) reject(new Error(`autocannon failed: ${err.message}`));
        else {
          const used = process.cpuUsage(cpu);
          const r = JSON.parse(stdout.trim().split('\n').pop()!) as Omit<CannonResult, 'cpuMsPerRequest'> & {
            total: number;
          };
          resolve({ ...r, cpuMsPerRequest: (used.user + used.system) / 1000 / Math.max(1, r.total) });
        }
      },
    );
  });
}

/** Runs `work` under the V8 profiler when `file` is given, and writes the profile there (open it in DevTools). */
async function profiled<T>(file: string | undefined, work: () => Promise<T>): Promise<T> {
  if (!file) return work();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
    console.log(`CPU profile of the cached run: ${file}`);
  }
}

// ------------------------------------------------------------------------------------------- the fake LLM

/** Questions only an LLM answers here, with the SQL the instant test server returns for them (by keyword). */
const COMPLEX: { key: RegExp; questions: string[]; sql: string }[] = [
  {
    key: /reviewers approve/i,
    questions: [
      'Which reviewers approve the most PRs written by newcomers?',
      'Which reviewers approve the most pull requests written by newcomers?',
    ],
    sql: 'SELECT r AS reviewer, count(*) AS reviews FROM pull_requests CROSS JOIN LATERAL unnest(reviewers) AS r GROUP BY r ORDER BY reviews DESC, reviewer LIMIT 10',
  },
  {
    key: /reopened/i,
    questions: [
      'What fraction of bugs get reopened after release?',
      'What fraction of bugs are reopened after a release?',
    ],
    sql: "SELECT round(avg(CASE WHEN status = 'in_progress' THEN 1 ELSE 0 END), 4) AS reopened_share FROM work_items WHERE type = 'bug'",
  },
  {
    key: /correlation/i,
    questions: [
      'Show the correlation between PR size and time to merge',
      'Is there a correlation between PR size and time to merge?',
    ],
    sql: "SELECT round(corr(additions + deletions, extract(epoch FROM merged_at - created_at))::numeric, 4) AS size_vs_merge_time FROM pull_requests WHERE state = 'merged'",
  },
  {
    key: /riskiest/i,
    questions: ['Show me the riskiest services', 'Which services are the riskiest?'],
    sql: "SELECT service, count(*) FILTER (WHERE status <> 'success') AS failures FROM deployments GROUP BY service ORDER BY failures DESC, service",
  },
  {
    key: /friday/i,
    questions: ['Which deployments happened on a Friday?', 'List the deployments that happened on Fridays'],
    sql: 'SELECT count(*) AS friday_deployments FROM deployments WHERE extract(isodow FROM started_at) = 5',
  },
  {
    key: /caused by/i,
    questions: [
      'What share of incidents were caused by a deployment?',
      'What share of incidents were caused by deployments?',
    ],
    sql: "SELECT count(*) AS incidents FROM work_items WHERE type = 'incident'",
  },
];

function fakeModel(body: ChatRequestBody): string {
  const user = body.messages.find((m) => m.role === 'user')?.content ?? '';
  const question = /Question: (.*)$/m.exec(user)?.[1] ?? '';
  const match = COMPLEX.find((c) => c.key.test(question));
  return JSON.stringify({ sql: match?.sql ?? 'SELECT count(*) AS n FROM work_items' });
}

// ------------------------------------------------------------------------------------------- the workload

/** Same question, typed differently: the exact cache's normalisation must see through it. */
const retype = (q: string, i: number) =>
  [q, q.toLowerCase(), `${q.replace(/[?.]$/, '')}?`, `  ${q}  `, q.replace(/\?$/, '')][i % 5];

function paraphrasesOf(q: string): string[] {
  const out: string[] = [];
  for (const p of PARAPHRASE_PAIRS) {
    if (!p.same) continue;
    if (p.a === q) out.push(p.b);
    if (p.b === q) out.push(p.a);
  }
  return out;
}

interface Planned {
  question: string;
  kind: 'new' | 'repeat' | 'paraphrase';
}

/** ~30% questions not asked before, ~70% repeats or paraphrases of earlier ones; deterministic. */
function workload(n: number, seed: number): Planned[] {
  let s = seed;
  const rand = () => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const simple = ANALYTICS_QUESTIONS.filter((c) => !c.opts).map((c) => c.q);
  const pool = [...COMPLEX.map((c) => c.questions[0]), ...simple];
  const asked: string[] = [];
  const out: Planned[] = [];
  for (let i = 0; i < n; i++) {
    if (asked.length === 0 || (rand() < 0.3 && pool.length > 0)) {
      const q = pool.splice(Math.floor(rand() * pool.length), 1)[0];
      asked.push(q);
      out.push({ question: q, kind: 'new' });
      continue;
    }
    const base = asked[Math.floor(rand() * asked.length)];
    const para = [
      ...paraphrasesOf(base),
      ...(COMPLEX.find((c) => c.questions[0] === base)?.questions.slice(1) ?? []),
    ];
    if (para.length > 0 && rand() < 0.5)
      out.push({ question: para[Math.floor(rand() * para.length)], kind: 'paraphrase' });
    else out.push({ question: retype(base, i), kind: 'repeat' });
  }
  return out;
}

// ------------------------------------------------------------------------------------------- main

async function main(): Promise<void> {
  const wall = performance.now();
  await globalSetup();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pulse-bench-query-'));
  const llm = await startOpenAiTestServer({ chat: fakeModel });
  const config = new AppConfig({
    ...process.env,
    DATA_DIR: dataDir,
    RECONCILE_INTERVAL_S: '0',
    QUERY_FIXED_NOW: FIXTURE_NOW.toISOString(),
    LLM_MAX_RETRIES: '0',
    LOG_LEVEL: 'silent',
    ...UNTHROTTLED,
  });
  const app = await createApp(config);
  const clock = new ServerClock();
  clock.install(app);
  await app.listen(0, '127.0.0.1');
  const base = await app.getUrl();
  const figures: BenchFigure[] = [];
  const notes: string[] = [];

  const call = async (method: string, url: string, token: string, body?: unknown) => {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  const admin = config.auth.adminToken;

  try {
    // ---- data: two tenants, the first demo-sized, each with the instant LLM as its integration
    const tenants: { id: string; apiKey: string }[] = [];
    for (const slug of ['bench-acme', 'bench-globex']) {
      const res = await call('POST', '/v1/admin/tenants', admin, { slug, name: slug });
      tenants.push(res.body);
      await call(
        'PUT',
        '/v1/integrations/gateway',
        res.body.apiKey,
        llmIntegration({ baseUrl: llm.url, inputCostPer1k: 0.0005, outputCostPer1k: 0.0015 }),
      );
    }
    const [a, b] = tenants;
    const seeded = performance.now();
    const fx = createAnalyticsFixture({
      seed: 99,
      tenants: 2,
      size: { workItems: SIZE, pullRequests: Math.round(SIZE * 0.6), deployments: Math.round(SIZE * 0.4) },
    });
    await insertFixtureFor(app.get(PgPoolService).pool, fx, [a.id, b.id]);
    await app.get(PgPoolService).pool.query('ANALYZE work_items; ANALYZE pull_requests; ANALYZE deployments');
    const rows = fx.workItems.length + fx.pullRequests.length + fx.deployments.length;
    console.log(`dataset: ${rows} rows for 2 tenants in ${r1((performance.now() - seeded) / 1000)} s`);
    await app.get(EmbeddingService).whenReady();

    const simpleQuestions = ANALYTICS_QUESTIONS.filter((c) => !c.opts).map((c) => c.q);
    const auth = { authorization: `Bearer ${a.apiKey}`, 'content-type': 'application/json' };
    const ask = (q: string, options?: Record<string, unknown>, key = a.apiKey) =>
      call('POST', '/v1/ai/query', key, { question: q, ...(options ? { options } : {}) });

    // ---- 1. a replayed workload (first, on empty caches): 70% repeats/paraphrases, two tenants interleaved, an ETL write half way
    const plans = [workload(REPLAY, 7), workload(REPLAY, 8)];
    let hits = 0;
    let repeatHits = 0;
    let repeats = 0;
    let refreshed = 0;
    let checked = 0;
    let stale = 0;
    let crossTenant = 0;
    const canon = (r: { columns: string[]; rows: unknown[][] }) => JSON.stringify([r.columns, r.rows]);
    for (let i = 0; i < REPLAY; i++) {
      if (i === Math.floor(REPLAY / 2)) {
        const write = await call('POST', '/v1/etl/work_items/records', a.apiKey, {
          records: Array.from({ length: 20 }, (_, k) => ({
            externalId: `BENCH-${k}`,
            project: 'PAY',
            title: `Bench bug ${k}`,
            type: k % 2 ? 'bug' : 'incident',
            status: 'done',
            priority: 'high',
            assignee: 'alice',
            labels: [],
            createdAt: '2026-11-17T08:00:00.000Z',
            updatedAt: '2026-11-18T08:00:00.000Z',
            resolvedAt: '2026-11-18T09:00:00.000Z',
          })),
        });
        if (write.status !== 202) throw new Error(`ETL write failed: ${write.status}`);
      }
      for (const [t, tenant] of tenants.entries()) {
        const planned = plans[t][i];
        const res = await ask(planned.question, undefined, tenant.apiKey);
        if (res.status !== 200)
          throw new Error(`${planned.question}: ${res.status} ${JSON.stringify(res.body)}`);
        const hit = res.body.cache.hit as boolean;
        if (hit) hits++;
        if (planned.kind !== 'new') {
          repeats++;
          if (hit) repeatHits++;
        }
        if (!hit) continue;
        if (res.body.cache.fresh === false) refreshed++;
        // Every cached answer against the same question answered fresh, for this tenant and for the other.
        checked++;
        const truth = await ask(planned.question, { noCache: true }, tenant.apiKey);
        if (canon(truth.body) !== canon(res.body)) {
          const other = await ask(planned.question, { noCache: true }, tenants[1 - t].apiKey);
          if (canon(other.body) === canon(res.body)) crossTenant++;
          else stale++;
        }
      }
    }
    const total = REPLAY * 2;
    console.log(
      `replay: ${total} questions, ${hits} hits (${repeatHits}/${repeats} of repeats/paraphrases), ${refreshed} re-run after the ETL write; ${checked} checked: ${stale} stale, ${crossTenant} cross-tenant`,
    );
    figures.push(
      {
        label: 'replayed workload: hit rate on repeated or paraphrased questions',
        value: r2(repeatHits / repeats),
        unit: 'ratio',
        goal: '≥ 0.8',
      },
      {
        label: 'replayed workload: hit rate on all questions (≈70% repeats/paraphrases)',
        value: r2(hits / total),
        unit: 'ratio',
      },
      { label: 'replayed workload: cross-tenant hits', value: crossTenant, unit: 'answers', goal: 0 },
      {
        label: 'replayed workload: stale answers after an ETL write (every hit checked)',
        value: stale,
        unit: 'answers',
        goal: 0,
      },
    );
    // ---- 2. the HTTP floor and cached answers, at CONNECTIONS connections
    const floor = await clock.measure('floor', () =>
      cannon(base, [{ method: 'GET', path: '/health/live' }], {}),
    );
    for (const q of simpleQuestions) await ask(q); // warm: every question cached
    const cachedRequests = simpleQuestions
      .slice(0, 20)
      .map((q) => ({ method: 'POST' as const, path: '/v1/ai/query', body: JSON.stringify({ question: q }) }));
    const cached = await clock.measure('cached', () =>
      profiled(opts.profile, () => cannon(base, cachedRequests, auth)),
    );
    // The same route's framework cost alone: authentication, body validation and the error filter, no query.
    const refused = await clock.measure('refused', () =>
      cannon(base, [{ method: 'POST', path: '/v1/ai/query', body: JSON.stringify({ question: ' ' }) }], auth),
    );
    const sample = await ask(simpleQuestions[0]);
    if (sample.body.route !== 'cached')
      throw new Error(`expected a cached answer, got ${JSON.stringify(sample.body).slice(0, 300)}`);
    console.log(
      `floor ${r1(floor.rps)} req/s; refused by validation ${r1(refused.rps)} req/s; cached ${r1(cached.rps)} req/s (errors ${cached.errors}, non-2xx ${cached.non2xx}) = ${r2(cached.rps / floor.rps)} of the floor; server CPU per request: cached ${r3(cached.cpuMsPerRequest)} ms, floor ${r3(floor.cpuMsPerRequest)} ms, refused ${r3(refused.cpuMsPerRequest)} ms`,
    );

    const cachedTotals: number[] = [];
    await clock.measure('cached-seq', async () => {
      for (let round = 0; round < 5; round++) {
        for (const q of simpleQuestions) cachedTotals.push((await ask(q)).body.timings.totalMs);
      }
    });
    figures.push(
      {
        label: 'cached answers, p50 server time, one request at a time',
        value: r2(clock.p50('cached-seq')),
        unit: 'ms',
        goal: '≤ 3 ms',
      },
      {
        label: 'cached answers, p50 time inside the query service',
        value: r2(percentile(cachedTotals, 50)),
        unit: 'ms',
      },
      {
        label: `cached answers vs the same route refused by validation, throughput (${CONNECTIONS} connections)`,
        value: r1(cached.rps),
        unit: 'req/s',
        baseline: {
          label: 'POST /v1/ai/query → 400 (auth, validation, error filter; no query)',
          value: r1(refused.rps),
        },
      },
      {
        label: `cached answers, throughput (${CONNECTIONS} connections)`,
        value: r1(cached.rps),
        unit: 'req/s',
        baseline: { label: 'GET /health/live (HTTP floor)', value: r1(floor.rps) },
        goal: 3000,
      },
      {
        label: `cached answers throughput ÷ the HTTP floor's, same run (${CONNECTIONS} connections)`,
        value: r2(cached.rps / floor.rps),
        unit: 'ratio',
        baseline: { label: 'GET /health/live (HTTP floor) req/s', value: r1(floor.rps) },
        goal: '≥ 0.7',
      },
      {
        label: `cached answers, server CPU per request (${CONNECTIONS} connections)`,
        value: r3(cached.cpuMsPerRequest),
        unit: 'ms',
        baseline: { label: 'GET /health/live server CPU per request', value: r3(floor.cpuMsPerRequest) },
      },
      {
        label: `cached answers, p50 server time (${CONNECTIONS} connections, saturated: mostly queueing)`,
        value: r2(clock.p50('cached')),
        unit: 'ms',
        baseline: { label: 'GET /health/live p50 server time', value: r2(clock.p50('floor')) },
      },
      {
        label: `cached answers, p50 latency at the client (${CONNECTIONS} connections)`,
        value: cached.p50,
        unit: 'ms',
        baseline: { label: 'GET /health/live p50 latency', value: floor.p50 },
      },
    );

    // ---- 3. the simple route, one request at a time (noCache: plan, guard and execute every time)
    const simpleTotals: number[] = [];
    const simpleTimings: Record<string, number>[] = [];
    await clock.measure('simple', async () => {
      for (let round = 0; round < 2; round++) {
        for (const q of simpleQuestions) {
          const res = await ask(q, { noCache: true });
          if (res.body.route !== 'simple')
            throw new Error(`${q}: route ${res.body.route} ${JSON.stringify(res.body.error ?? '')}`);
          simpleTotals.push(res.body.timings.totalMs);
          simpleTimings.push(res.body.timings);
        }
      }
    });
    const floorSequential: number[] = [];
    await clock.measure('floor-seq', async () => {
      for (let i = 0; i < 50; i++) floorSequential.push((await call('GET', '/health/live', a.apiKey)).status);
    });
    figures.push({
      label: 'simple route (planner + guard + execution), p50 server time, sequential',
      value: r2(clock.p50('simple')),
      unit: 'ms',
      baseline: { label: 'GET /health/live p50 server time, sequential', value: r2(clock.p50('floor-seq')) },
      goal: '≤ 50 ms',
    });
    figures.push({
      label: 'simple route, p50 time inside the query service',
      value: r2(percentile(simpleTotals, 50)),
      unit: 'ms',
    });

    // ---- 4. the complex route's overhead: everything but waiting for the (instant) model
    const overhead: number[] = [];
    const llmWait: number[] = [];
    const complexTimings: Record<string, number>[] = [];
    await clock.measure('complex', async () => {
      for (let round = 0; round < 4; round++) {
        for (const c of COMPLEX) {
          for (const q of c.questions) {
            // A new wording each round, so the question's embedding is computed every time (not cached).
            const res = await ask(`${q.replace(/\?$/, '')} (take ${round + 1})`, { noCache: true });
            if (res.body.route !== 'complex')
              throw new Error(`${q}: route ${res.body.route} ${JSON.stringify(res.body.error ?? '')}`);
            overhead.push(res.body.timings.totalMs - res.body.timings.llm);
            llmWait.push(res.body.timings.llm);
            complexTimings.push(res.body.timings);
          }
        }
      }
    });
    console.log(`simple route p50 per node (ms): ${nodeP50s(simpleTimings)}`);
    console.log(`complex route p50 per node (ms): ${nodeP50s(complexTimings)}`);
    notes.push(
      `Simple route p50 per node (ms): ${nodeP50s(simpleTimings)}.`,
      `Complex route p50 per node (ms): ${nodeP50s(complexTimings)}.`,
    );
    const complexServer = clock.samples.get('complex') ?? [];
    const serverMinusLlm = complexServer.map((ms, i) => ms - (llmWait[i] ?? 0));
    figures.push(
      {
        label: 'complex route overhead without the model’s time, p50 server time',
        value: r2(percentile(serverMinusLlm, 50)),
        unit: 'ms',
        baseline: { label: 'waiting for the instant test model, p50', value: r2(percentile(llmWait, 50)) },
        goal: '≤ 100 ms',
      },
      {
        label: 'complex route overhead without the model’s time, p50 inside the query service',
        value: r2(percentile(overhead, 50)),
        unit: 'ms',
      },
    );

    notes.push(
      `Dataset: ${rows} rows (two tenants; the first has ${SIZE} work items, ${Math.round(SIZE * 0.6)} pull requests, ${Math.round(SIZE * 0.4)} deployments).`,
      `autocannon runs in a child process on the same 2-core machine as the server (${SECONDS} s per run); the machine is shared with other work, so figures are noisy.`,
      'Server time is Fastify onRequest → onResponse inside the server process; client latency includes the load generator’s queueing.',
      `Replayed workload: ${total} questions, ${refreshed} cached answers re-ran their SQL because an ETL write changed their table.`,
    );
  } finally {
    await app.close();
    await llm.close();
    await globalTeardown();
    rmSync(dataDir, { recursive: true, force: true });
  }

  const file = writeBenchResult({
    name: 'query',
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'cpu'}, Node ${process.version}`,
    figures,
    notes,
  });
  console.log('');
  console.table(
    figures.map((f) => ({
      figure: f.label,
      value: `${f.value} ${f.unit}`,
      baseline: f.baseline ? `${f.baseline.value} (${f.baseline.label})` : '',
      goal: f.goal ?? '',
    })),
  );
  console.log(`wrote ${file} in ${r1((performance.now() - wall) / 1000)} s`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
