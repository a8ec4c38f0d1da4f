/**
 * `npm run bench:load`: a mixed workload from two tenants against the whole application on a real port (role
 * `all`, fresh migrated database, private redis-server): searches (with repeated queries), embeds, small ingests
 * and status reads, from closed-loop clients. Reports throughput, p50/p99 per kind, error rate, 500s, and the
 * process RSS slope (MB/min, least squares over one sample a second, the first 20% left out as warm-up). Baseline in the same run: the same
 * clients on `GET /health/live` (the HTTP stack alone).
 *
 * The load generator runs in the same process as the server (one event loop; its cost is part of the figures,
 * and of the RSS); the machine is shared, so absolute figures are noisy.
 *
 *   npm run bench:load                          # 120 s mixed load, 16 clients
 *   npm run bench:load -- --seconds 30          # shorter
 *   npm run bench:load -- --soak                # 10-minute soak: watch the RSS slope
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { Client } from 'pg';
import { AppConfig } from '@app/config';
import { createApp } from '../apps/server/src/bootstrap';
import { TestRedisServer } from '../apps/server/test/support/redis-server';
import { workItem } from '../apps/server/test/support/records';
import { writeBenchResult, type BenchFigure } from './report-schema';

const opts = new Command()
  .option('--seconds <n>', 'duration of the mixed load', '120')
  .option('--clients <n>', 'concurrent closed-loop clients', '16')
  .option('--baseline-seconds <n>', 'duration of the /health/live baseline', '10')
  .option('--soak', 'run 600 s (overrides --seconds) and report the RSS slope', false)
  .parse()
  .opts<{ seconds: string; clients: string; baselineSeconds: string; soak: boolean }>();

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
/** Least-squares slope of y over x. */
function slope(points: [number, number][]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

async function createDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const adminUrl = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgresql://root@127.0.0.1:5432/test';
  const name = `pulse_bench_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  execFileSync(process.execPath, [path.join('node_modules/prisma/build/index.js'), 'migrate', 'deploy'], {
    env: { ...process.env, DATABASE_URL: url.toString() },
    stdio: 'pipe',
  });
  return {
    url: url.toString(),
    drop: async () => {
      const c = new Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

type Kind = 'search' | 'embed' | 'ingest' | 'status' | 'live';
interface Sample {
  kind: Kind;
  ms: number;
  status: number;
}

const QUERIES = [
  'checkout fails with a timeout',
  'payment retries exhaust the pool',
  'flaky integration test',
  'deploy rolled back',
  'slow search results page',
];

async function runLoad(
  base: string,
  keys: string[],
  seconds: number,
  clients: number,
  pick: (i: number) => Kind,
  onSecond?: () => void,
): Promise<Sample[]> {
  const samples: Sample[] = [];
  const end = Date.now() + seconds * 1000;
  let seq = 0;
  const ticker = onSecond ? setInterval(onSecond, 1000) : undefined;
  const client = async (c: number) => {
    let i = c;
    while (Date.now() < end) {
      const kind = pick(i++);
      const key = keys[i % keys.length];
      const started = performance.now();
      let status = 0;
      try {
        const init: RequestInit = {
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        };
        let url = `${base}/health/live`;
        if (kind === 'search') {
          url = `${base}/v1/ai/search`;
          init.method = 'POST';
          init.body = JSON.stringify({ query: QUERIES[i % QUERIES.length], limit: 10 });
        } else if (kind === 'embed') {
          url = `${base}/v1/ai/embed`;
          init.method = 'POST';
          init.body = JSON.stringify({ texts: [QUERIES[i % QUERIES.length], `text ${i % 50}`] });
        } else if (kind === 'ingest') {
          url = `${base}/v1/etl/work_items/records`;
          init.method = 'POST';
          init.body = JSON.stringify({
            records: Array.from({ length: 10 }, () => workItem({ externalId: `L-${c}-${++seq}` })),
          });
        } else if (kind === 'status') {
          url = `${base}/v1/etl/status`;
        }
        const res = await fetch(url, init);
        await res.arrayBuffer();
        status = res.status;
      } catch {
        status = 0;
      }
      samples.push({ kind, ms: performance.now() - started, status });
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
  if (ticker) clearInterval(ticker);
  return samples;
}

async function main(): Promise<void> {
  const seconds = opts.soak ? 600 : Number(opts.seconds);
  const clients = Number(opts.clients);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pulse-bench-load-'));
  const cleanups: (() => Promise<void>)[] = [
    () => Promise.resolve(rmSync(dataDir, { recursive: true, force: true })),
  ];
  try {
    const db = await createDatabase();
    cleanups.push(db.drop);
    const redis = await TestRedisServer.start();
    cleanups.push(() => redis.stop());
    const adminToken = randomBytes(16).toString('hex');
    const config = new AppConfig({
      ...process.env,
      PROCESS_ROLE: 'all',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: `bench-load-${randomBytes(4).toString('hex')}`,
      DATA_DIR: dataDir,
      ADMIN_TOKEN: adminToken,
      INTEGRATION_SECRET_KEY: randomBytes(32).toString('hex'),
      VECTOR_STORE: 'embedded',
    });
    const app = await createApp(config);
    await app.listen(0, '127.0.0.1');
    cleanups.push(() => app.close());
    const address = app.getHttpServer().address() as { port: number };
    const base = `http://127.0.0.1:${address.port}`;

    const keys: string[] = [];
    for (const slug of ['load-a', 'load-b']) {
      const res = await fetch(`${base}/v1/admin/tenants`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ slug, name: slug }),
      });
      const key = ((await res.json()) as { apiKey: string }).apiKey;
      keys.push(key);
      // Something to search: 200 records per tenant, vectorized in the background during the run.
      for (let b = 0; b < 2; b++) {
        await fetch(`${base}/v1/etl/work_items/records`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ records: Array.from({ length: 100 }, () => workItem()) }),
        });
      }
    }

    console.log(`baseline: GET /health/live, ${clients} clients, ${opts.baselineSeconds} s`);
    const baseline = await runLoad(base, keys, Number(opts.baselineSeconds), clients, () => 'live');
    const baselineRps = baseline.length / Number(opts.baselineSeconds);

    console.log(
      `mixed load: ${clients} clients, ${seconds} s (40% search, 20% embed, 20% ingest, 20% status)`,
    );
    const mix: Kind[] = ['search', 'search', 'embed', 'ingest', 'status'];
    const rss: [number, number][] = [];
    const t0 = Date.now();
    const samples = await runLoad(
      base,
      keys,
      seconds,
      clients,
      (i) => mix[i % mix.length],
      () => rss.push([(Date.now() - t0) / 60_000, process.memoryUsage().rss / 2 ** 20]),
    );

    const rps = samples.length / seconds;
    const errors = samples.filter((s) => s.status === 0 || s.status >= 400);
    const fiveHundreds = samples.filter((s) => s.status >= 500 && s.status !== 503).length;
    const all = samples.map((s) => s.ms).sort((a, b) => a - b);
    const figures: BenchFigure[] = [
      {
        label: 'mixed throughput',
        value: round(rps),
        unit: 'req/s',
        baseline: { label: 'GET /health/live throughput', value: round(baselineRps) },
      },
      { label: 'mixed p50', value: round(percentile(all, 50)), unit: 'ms' },
      { label: 'mixed p99', value: round(percentile(all, 99)), unit: 'ms' },
      { label: 'error rate', value: round((100 * errors.length) / samples.length, 2), unit: '%', goal: 0 },
      { label: '500s', value: fiveHundreds, unit: 'responses', goal: 0 },
      // Warm-up (model load, caches filling) is left out: the slope is over the last 80% of the run.
      { label: 'RSS slope', value: round(slope(rss.slice(Math.floor(rss.length / 5))), 2), unit: 'MB/min' },
      { label: 'RSS at end', value: round(rss.at(-1)?.[1] ?? 0), unit: 'MB' },
    ];
    for (const kind of ['search', 'embed', 'ingest', 'status'] as const) {
      const ms = samples
        .filter((s) => s.kind === kind)
        .map((s) => s.ms)
        .sort((a, b) => a - b);
      figures.push({ label: `${kind} p99`, value: round(percentile(ms, 99)), unit: 'ms' });
    }
    for (const f of figures)
      console.log(
        `${f.label.padEnd(28)} ${String(f.value).padStart(10)} ${f.unit}${f.baseline ? `  (baseline ${f.baseline.value}, ratio ${round(f.value / f.baseline.value, 3)})` : ''}`,
      );
    const file = writeBenchResult({
      name: 'load',
      machine: `${os.cpus().length} cores, ${os.platform()}`,
      figures,
      notes: [
        `${samples.length} requests in ${seconds} s from ${clients} closed-loop clients over two tenants`,
        'load generator in the same process as the server; machine shared with other jobs',
      ],
    });
    console.log(`wrote ${file}`);
  } finally {
    for (const fn of cleanups.reverse()) await fn().catch((err: unknown) => console.error(err));
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
