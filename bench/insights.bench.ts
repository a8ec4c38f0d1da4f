/**
 * `npm run bench:insights`: how well and how fast insights are found.
 *   1. Accuracy on seeded synthetic tenants (pure detection, as the weekly/daily runs would see the data): injected
 *      spikes, level shifts and gradual drifts of 3–8 of the series' own deviations, plus quiet tenants with none.
 *      Precision and recall of medium/high findings, false findings per quiet tenant-month, detection delay.
 *   2. Speed on PostgreSQL: 100 tenants × 1 year of deployments, work items and pull requests; a detection run per
 *      tenant (series through the semantic compiler, SQL guard and reader-role executor, then the detector and the
 *      idempotent writes) against the same series SQL replayed directly on the pool (the raw SQL that builds them).
 * Writes bench/results/insights.json. Takes ~1–2 minutes.
 *
 *   npm run bench:insights
 *   npm run bench:insights -- --tenants 20 --synthetic 100
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import type { Pool } from 'pg';
import { SqlExecutorService, type SqlStatement } from '@app/ai';
import { AppConfig } from '@app/config';
import { PgPoolService } from '@app/database';
import { DEFAULT_DETECTION_OPTIONS, InsightDetectionService } from '@app/insights';
import { poisson, seededRandom } from '../libs/insights/src/testing/series-fixtures';
import { createApp } from '../apps/server/src/bootstrap';
import globalSetup from '../apps/server/test/global-setup';
import globalTeardown from '../apps/server/test/global-teardown';
import { runAccuracy } from './insights-accuracy';
import { writeBenchResult, type BenchFigure } from './report-schema';

const opts = new Command()
  .option('--tenants <n>', 'tenants in the PostgreSQL timing run', '100')
  .option('--synthetic <n>', 'synthetic tenants in the accuracy run', '1000')
  .option('--seed <n>', 'random seed', '42')
  .option('--seeds <n>', 'further seeds the accuracy run is repeated with (spread of the figures)', '3')
  .parse()
  .opts<{ tenants: string; synthetic: string; seed: string; seeds: string }>();

const TENANTS = Number(opts.tenants);
const SYNTHETIC = Number(opts.synthetic);
const SEED = Number(opts.seed);
const SEEDS = Number(opts.seeds);
const NOW = new Date('2026-12-02T12:00:00.000Z');
const DAY_MS = 86_400_000;
const r2 = (n: number) => Math.round(n * 100) / 100;
const r3 = (n: number) => Math.round(n * 1000) / 1000;
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] : NaN;
};

/** One year of one tenant's data, inserted with one statement per table. */
async function seedTenant(pool: Pool, tenantId: string, random: () => number): Promise<number> {
  const start = NOW.getTime() - 365 * DAY_MS;
  const logNormal = (median: number, sigma: number) =>
    median *
    Math.exp(sigma * Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random()));
  const deploys: [string, string, string][] = [];
  const items: [string, string, string, string][] = [];
  const prs: [string, string, string, number][] = [];
  for (let week = 0; week < 52; week++) {
    const monday = start + week * 7 * DAY_MS;
    const at = () => new Date(monday + Math.floor(random() * 5) * DAY_MS + random() * 10 * 3_600_000);
    for (const service of ['payments-api', 'search-api']) {
      for (let i = poisson(random, 6); i > 0; i--) {
        deploys.push([service, random() < 0.1 ? 'failed' : 'success', at().toISOString()]);
      }
    }
    for (const project of ['PAY', 'SRCH']) {
      for (let i = poisson(random, 8); i > 0; i--) {
        const resolved = at();
        const created = new Date(resolved.getTime() - logNormal(48, 0.6) * 3_600_000);
        items.push([project, 'done', created.toISOString(), resolved.toISOString()]);
      }
    }
    for (const repo of ['payments-api', 'search-api']) {
      for (let i = poisson(random, 8); i > 0; i--) {
        const merged = at();
        const created = new Date(merged.getTime() - logNormal(20, 0.7) * 3_600_000);
        prs.push([repo, created.toISOString(), merged.toISOString(), Math.round(logNormal(120, 0.8))]);
      }
    }
  }
  const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
  await pool.query(
    `INSERT INTO deployments (tenant_id, external_id, service, environment, status, version, started_at, finished_at)
     SELECT $1, e, s, 'production', st, '1.0', t::timestamptz, t::timestamptz + interval '4 minutes'
     FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS x(e, s, st, t)`,
    [tenantId, ids('d', deploys.length), ...[0, 1, 2].map((k) => deploys.map((d) => d[k]))],
  );
  await pool.query(
    `INSERT INTO work_items (tenant_id, external_id, project, title, type, status, priority, created_at, updated_at,
       resolved_at)
     SELECT $1, e, p, 'Item ' || e, 'story', st, 'medium', c::timestamptz, r::timestamptz, r::timestamptz
     FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS x(e, p, st, c, r)`,
    [tenantId, ids('w', items.length), ...[0, 1, 2, 3].map((k) => items.map((d) => d[k]))],
  );
  await pool.query(
    `INSERT INTO pull_requests (tenant_id, external_id, repository, title, author, state, additions, deletions,
       created_at, merged_at)
     SELECT $1, e, rp, 'PR ' || e, 'dev', 'merged', a, a / 4, c::timestamptz, m::timestamptz
     FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::int[]) AS x(e, rp, c, m, a)`,
    [tenantId, ids('p', prs.length), ...[0, 1, 2, 3].map((k) => prs.map((d) => d[k]))],
  );
  return deploys.length + items.length + prs.length;
}

async function timing(figures: BenchFigure[], notes: string[]): Promise<void> {
  await globalSetup();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pulse-bench-insights-'));
  const config = new AppConfig({
    ...process.env,
    DATA_DIR: dataDir,
    RECONCILE_INTERVAL_S: '0',
    INSIGHTS_INTERVAL_S: '0',
    LOG_LEVEL: 'silent',
  });
  const app = await createApp(config);
  await app.init();
  try {
    const pool = app.get(PgPoolService).pool;
    const random = seededRandom(SEED);
    const tenantIds: string[] = [];
    let rows = 0;
    const seeded = performance.now();
    for (let i = 0; i < TENANTS; i++) {
      const { rows: t } = await pool.query<{ id: string }>(
        `INSERT INTO tenants (slug, name) VALUES ($1, $1) RETURNING id`,
        [`bench-insights-${i}`],
      );
      tenantIds.push(t[0].id);
      rows += await seedTenant(pool, t[0].id, random);
    }
    await pool.query('ANALYZE');
    console.log(`seeded ${TENANTS} tenants, ${rows} rows in ${r2((performance.now() - seeded) / 1000)} s`);

    // Record the series SQL as the executor runs it, to replay it bare afterwards (bench-only instrumentation).
    const executor = app.get(SqlExecutorService);
    const recorded: { statement: SqlStatement; tenantId: string }[] = [];
    const execute = executor.execute.bind(executor);
    executor.execute = (statement, options) => {
      recorded.push({ statement, tenantId: options.tenantId });
      return execute(statement, options);
    };
    const detection = app.get(InsightDetectionService);
    const perTenant: number[] = [];
    let findings = 0;
    const started = performance.now();
    for (const id of tenantIds) {
      const t0 = performance.now();
      findings += (await detection.run(id, NOW)).findings;
      perTenant.push(performance.now() - t0);
    }
    const detectMs = performance.now() - started;
    executor.execute = execute;

    const bare = performance.now();
    for (const { statement, tenantId } of recorded) {
      await pool.query(
        statement.sql,
        statement.params.map(() => tenantId),
      );
    }
    const bareMs = performance.now() - bare;
    figures.push(
      {
        label: `detection for ${TENANTS} tenants × 1 year (series via guard + reader role, detector, writes)`,
        value: r2(detectMs / 1000),
        unit: 's',
        baseline: { label: 'the same series SQL run bare on the pool', value: r2(bareMs / 1000) },
        goal: 'ratio reported',
      },
      { label: 'detection per tenant p50', value: r2(percentile(perTenant, 50)), unit: 'ms' },
      { label: 'detection per tenant p95', value: r2(percentile(perTenant, 95)), unit: 'ms' },
    );
    notes.push(
      `PostgreSQL run: ${rows} rows over ${TENANTS} tenants, ${recorded.length} series queries, ${findings} findings ` +
        `on data with no injected anomalies.`,
    );
  } finally {
    await app.close();
    await globalTeardown();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const wall = performance.now();
  const figures: BenchFigure[] = [];
  const notes: string[] = [];

  const acc = runAccuracy(SYNTHETIC, 0.4, SEED);
  const others = Array.from({ length: SEEDS }, (_, i) => runAccuracy(SYNTHETIC, 0.4, SEED + 1 + i));
  const spread = (f: (r: typeof acc) => number) => {
    const xs = [acc, ...others].map(f);
    return `${r3(Math.min(...xs))}–${r3(Math.max(...xs))}`;
  };
  const sweep = [3, 4].map((threshold) => ({
    threshold,
    result: runAccuracy(SYNTHETIC, 0.4, SEED, { ...DEFAULT_DETECTION_OPTIONS, threshold }),
  }));
  figures.push(
    { label: 'precision of medium/high findings', value: r3(acc.precision), unit: 'ratio', goal: '≥ 0.9' },
    { label: 'recall, injected effects 3–8 deviations', value: r3(acc.recall), unit: 'ratio', goal: '≥ 0.8' },
    {
      label: 'false medium/high findings per quiet tenant-quarter',
      value: r2(acc.falsePerQuietTenantMonth * 3),
      unit: 'findings',
      goal: '≤ 1',
    },
    { label: 'detection delay p50', value: r2(percentile(acc.delaysDays, 50)), unit: 'days' },
    { label: 'detection delay p90', value: r2(percentile(acc.delaysDays, 90)), unit: 'days' },
    ...Object.entries(acc.recallBy)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, r]) => ({
        label: `recall, ${key} (${r.detected}/${r.injected})`,
        value: r3(r.detected / r.injected),
        unit: 'ratio',
      })),
    ...Object.entries(acc.precisionBy)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, p]) => ({
        label: `precision of ${key} findings (${p.findings - p.false}/${p.findings})`,
        value: r3((p.findings - p.false) / p.findings),
        unit: 'ratio',
      })),
    ...sweep.flatMap(({ threshold, result }) => [
      {
        label: `precision at threshold ${threshold} (default ${DEFAULT_DETECTION_OPTIONS.threshold})`,
        value: r3(result.precision),
        unit: 'ratio',
      },
      {
        label: `recall at threshold ${threshold} (default ${DEFAULT_DETECTION_OPTIONS.threshold})`,
        value: r3(result.recall),
        unit: 'ratio',
      },
      {
        label: `false per quiet tenant-quarter at threshold ${threshold}`,
        value: r2(result.falsePerQuietTenantMonth * 3),
        unit: 'findings',
      },
    ]),
  );
  notes.push(
    `Synthetic: ${SYNTHETIC} tenants (${acc.quietTenants} quiet), 12 series each (3 weekly counts, 2 weekly rates, ` +
      `2 weekly durations, 1 weekly size, 1 daily count with quiet weekends; two services' weekly counts and ` +
      `their tenant-wide sum, ${acc.explained} tenant-wide detections not written because a service's finding ` +
      `explained them), 52 weeks, detection run every ` +
      `period of the last 26 weeks; ${acc.anomalies} anomalies injected, ${acc.detected} found ` +
      `(spikes ${acc.byKind.spike.detected}/${acc.byKind.spike.injected}, level shifts ` +
      `${acc.byKind.level_shift.detected}/${acc.byKind.level_shift.injected}, drifts ` +
      `${acc.byKind.drift.detected}/${acc.byKind.drift.injected}); ${acc.falseFindings} of ${acc.findings} ` +
      `medium/high episodes false, ${acc.duplicates} of them a second episode of an already found effect ` +
      `(${JSON.stringify(acc.falseByKind)}).`,
    `Seeds ${SEED}–${SEED + SEEDS}: precision ${spread((r) => r.precision)}, recall ${spread((r) => r.recall)}, ` +
      `false per quiet tenant-quarter ${spread((r) => r.falsePerQuietTenantMonth * 3)}.`,
    'Precision depends on how rare anomalies are: here 1–3 per anomalous tenant-half-year among 12 series.',
  );
  await timing(figures, notes);

  const file = writeBenchResult({
    name: 'insights',
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'cpu'}, Node ${process.version}`,
    figures,
    notes,
  });
  console.table(
    figures.map((f) => ({
      figure: f.label,
      value: `${f.value} ${f.unit}`,
      baseline: f.baseline ? `${f.baseline.value} (${f.baseline.label})` : '',
      ratio: f.baseline ? r2(f.value / f.baseline.value) : '',
      goal: f.goal ?? '',
    })),
  );
  for (const n of notes) console.log(`- ${n}`);
  console.log(`wrote ${file} in ${r2((performance.now() - wall) / 1000)} s`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
