/**
 * `npm run bench:load`: the reliability suite's mixed workload (apps/server/test/reliability/mixed-load.ts:
 * repeated questions, searches, embeds, small ingests and status reads from two tenants, closed-loop clients)
 * against the whole application on a real port (role `all`, fresh migrated database, private redis-server).
 * Reports throughput, p50/p99 overall and per kind, error rate, 500s, and the slopes of the process's memory
 * (MB/min, least squares, the first 20% left out as warm-up): RSS, heap total and used, external and array
 * buffers once a second, and the heap after a forced full GC every 15 s, which only a leak keeps rising once
 * caches are full.
 * Baseline in the same run: the same clients on `GET /health/live` (the HTTP stack alone).
 * Then the noisy-neighbour figure (issue 19): tenant B asks one question at a time, alone and then while
 * tenant A floods questions from 64 connections past its rate limit; B's p99 under the flood ÷ B's p99 alone
 * (printed as the ratio of `noisy neighbour B p99`). A's flood runs in a process of its own.
 *
 * The load generator runs in the same process as the server (one event loop; its cost is part of the figures,
 * and of the RSS, though it keeps only counts and latencies); the machine is shared, so absolute figures are
 * noisy.
 *
 *   npm run bench:load                          # 120 s mixed load, 16 clients
 *   npm run bench:load -- --seconds 30          # shorter
 *   npm run bench:load -- --soak                # 10-minute soak over a fixed set of records: the memory slopes
 */
import 'reflect-metadata';
import os from 'node:os';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Command } from 'commander';
import { PgPoolService } from '@app/database';
import { insertFixtureFor } from '@app/ai/query/testing/query-test-kit';
import { createAnalyticsFixture } from '@app/ai/semantic/testing/fixtures';
import {
  describeMix,
  formatLoadTable,
  rssSlope,
  runMixedLoad,
  seedWorkItems,
  summarizeLoad,
  MIXED_WORKLOAD,
  type MemorySeries,
  type MemoryTrace,
} from '../apps/server/test/reliability/mixed-load';
import { count, percentile, runNoisyNeighbour } from '../apps/server/test/support/noisy-neighbour';
import type { LoopbackApp } from '../apps/server/test/support/loopback-app';
import { writeBenchResult, type BenchFigure } from './report-schema';
import { round, startBenchApp } from './support';

const opts = new Command()
  .option('--seconds <n>', 'duration of the mixed load', '120')
  .option('--clients <n>', 'concurrent closed-loop clients', '16')
  .option('--baseline-seconds <n>', 'duration of the /health/live baseline', '10')
  .option('--soak', 'run 600 s (overrides --seconds) over a fixed set of records', false)
  .option('--neighbour-seconds <n>', 'duration of the noisy-neighbour flood (0 skips it)', '20')
  .parse()
  .opts<{
    seconds: string;
    clients: string;
    baselineSeconds: string;
    soak: boolean;
    neighbourSeconds: string;
  }>();

/** Tenant A's question limit (per second) during the noisy-neighbour run; B keeps the bench's high default. */
const NEIGHBOUR_A_LIMIT = 5;

/** Issue 19's noisy neighbour: B's p99 alone, then under A's 64-connection flood (same run, same app). */
async function noisyNeighbourFigures(server: LoopbackApp, seconds: number): Promise<BenchFigure[]> {
  const a = await server.createTenant('neighbour-a');
  const b = await server.createTenant('neighbour-b');
  const res = await fetch(`${server.baseUrl}/v1/admin/tenants/${a.id}/limits`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query: NEIGHBOUR_A_LIMIT }),
  });
  if (!res.ok) throw new Error(`limits override failed: ${res.status}`);
  const pool = server.app.get(PgPoolService).pool;
  await insertFixtureFor(pool, createAnalyticsFixture({ seed: 19, tenants: 2 }), [a.id, b.id]);
  // B alone and B under the flood in the same steady state: not while the worker embeds the fixture.
  const embedded = Date.now() + 180_000;
  while ((await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM change_outbox')).rows[0].n > 0) {
    if (Date.now() > embedded) throw new Error('noisy neighbour: fixture not embedded within 180 s');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  console.log(
    `noisy neighbour: B alone ${seconds} s and A flooding from 64 connections ${seconds} s, in 5 alternating rounds`,
  );
  const run = await runNoisyNeighbour({
    floodUrls: [server.baseUrl],
    quietUrl: server.baseUrl,
    floodKey: a.apiKey,
    quietKey: b.apiKey,
    floodConnections: 64,
    // As long as the flood: the machine's other load then falls on both phases with the same odds.
    aloneSeconds: seconds,
    floodSeconds: seconds,
  });
  const aloneP99 = percentile(run.quietAlone.latenciesMs, 99);
  return [
    {
      label: 'noisy neighbour B p99',
      value: round(percentile(run.quietUnderFlood.latenciesMs, 99)),
      unit: 'ms',
      baseline: { label: 'B p99 alone', value: round(aloneP99) },
    },
    {
      label: 'noisy neighbour B p50',
      value: round(percentile(run.quietUnderFlood.latenciesMs, 50)),
      unit: 'ms',
      baseline: { label: 'B p50 alone', value: round(percentile(run.quietAlone.latenciesMs, 50)) },
    },
    {
      label: 'noisy neighbour B errors',
      value: count(run.quietUnderFlood, (s) => s !== 200),
      unit: 'responses',
      goal: 0,
    },
    {
      label: 'noisy neighbour A accepted',
      value: round(count(run.flood, (s) => s === 200) / run.floodSeconds, 2),
      unit: 'req/s',
      baseline: { label: `A's limit`, value: NEIGHBOUR_A_LIMIT },
    },
    { label: 'noisy neighbour A 429s', value: count(run.flood, (s) => s === 429), unit: 'responses' },
    {
      label: 'noisy neighbour 5xx',
      value: count(run.flood, (s) => s >= 500) + count(run.quietUnderFlood, (s) => s >= 500),
      unit: 'responses',
      goal: 0,
    },
  ];
}

const SOAK_RECORDS_PER_TENANT = 1_000;

// Not `node --expose-gc`: the embedding model's worker thread inherits execArgv, which must hold no V8 flags.
v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Slope of each memory series and where it ended. */
function memoryFigures(memory: MemoryTrace): BenchFigure[] {
  const series: [string, MemorySeries][] = [
    ['RSS', memory.rss],
    ['heap total', memory.heapTotal],
    ['heap used', memory.heapUsed],
    ['external', memory.external],
    ['array buffers', memory.arrayBuffers],
    ['heap after GC', memory.heapAfterGc],
  ];
  return series
    .filter(([, points]) => points.length > 0)
    .flatMap(([name, points]): BenchFigure[] => [
      { label: `${name} slope`, value: round(rssSlope(points), 2), unit: 'MB/min' },
      { label: `${name} at end`, value: round(points.at(-1)![1]), unit: 'MB' },
    ]);
}

async function main(): Promise<void> {
  const seconds = opts.soak ? 600 : Number(opts.seconds);
  const clients = Number(opts.clients);
  const bench = await startBenchApp('load');
  try {
    const { server } = bench;
    const apiKeys: string[] = [];
    for (const slug of ['load-a', 'load-b']) {
      const { apiKey } = await server.createTenant(slug);
      apiKeys.push(apiKey);
      // Something to search: 200 records per tenant, vectorized in the background during the run.
      await seedWorkItems(server.baseUrl, apiKey, 200);
    }
    // The soak updates a fixed set of records, so memory that grows is a leak, not a growing dataset.
    const idPool = opts.soak ? SOAK_RECORDS_PER_TENANT : undefined;
    const load = (mix: typeof MIXED_WORKLOAD, s: number) =>
      runMixedLoad({
        baseUrl: server.baseUrl,
        apiKeys,
        seconds: s,
        clients,
        mix,
        idPool,
        keepAllSamples: false,
        gc,
      });

    console.log(`baseline: GET /health/live, ${clients} clients, ${opts.baselineSeconds} s`);
    const baseline = summarizeLoad(await load(['live'], Number(opts.baselineSeconds)));

    const shares = describeMix(MIXED_WORKLOAD);
    console.log(`mixed load: ${clients} clients, ${seconds} s (${shares})`);
    const result = await load(MIXED_WORKLOAD, seconds);
    const summary = summarizeLoad(result);
    console.log(formatLoadTable(summary));

    const figures: BenchFigure[] = [
      {
        label: 'mixed throughput',
        value: round(summary.throughput),
        unit: 'req/s',
        baseline: { label: 'GET /health/live throughput', value: round(baseline.throughput) },
      },
      { label: 'mixed p50', value: round(summary.p50), unit: 'ms' },
      { label: 'mixed p99', value: round(summary.p99), unit: 'ms' },
      {
        label: 'error rate',
        value: round((100 * summary.failures) / summary.requests, 2),
        unit: '%',
        goal: 0,
      },
      { label: '500s', value: summary.statuses.fiveHundreds, unit: 'responses', goal: 0 },
      {
        label: 'answers from the answer cache',
        value: round((100 * summary.answers.fromCache) / summary.answers.total),
        unit: '%',
      },
      ...memoryFigures(result.memory),
    ];
    if (Number(opts.neighbourSeconds) > 0)
      figures.push(...(await noisyNeighbourFigures(server, Number(opts.neighbourSeconds))));
    for (const [kind, f] of Object.entries(summary.byKind))
      figures.push({ label: `${kind} p99`, value: round(f.p99), unit: 'ms' });
    for (const f of figures)
      console.log(
        `${f.label.padEnd(28)} ${String(f.value).padStart(10)} ${f.unit}${f.baseline ? `  (baseline ${f.baseline.value}, ratio ${round(f.value / f.baseline.value, 3)})` : ''}`,
      );
    const file = writeBenchResult({
      name: 'load',
      machine: `${os.cpus().length} cores, ${os.platform()}`,
      figures,
      notes: [
        `${summary.requests} requests in ${round(result.seconds)} s from ${clients} closed-loop clients over two tenants (${shares}); statuses ${summary.statuses.toString()}`,
        'load generator in the same process as the server; machine shared with other jobs',
      ],
    });
    console.log(`wrote ${file}`);
  } finally {
    await bench.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
