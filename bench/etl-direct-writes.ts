/**
 * bench:etl figures for writers that bypass the API (issue 14): another program's COPY and plain INSERTs, picked
 * up by the database's triggers and the worker's outbox consumer. Kept apart from etl.bench.ts's HTTP phases.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client, type Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { businessCatalog } from '@app/ai';
import { percentile } from '@app/metrics';
import { createMigratedDatabase } from '../libs/database/src/testing/migrated-database';
import type { BenchFigure } from './report-schema';
import { round } from './support';

/** snake_case column → the record field carrying it (`created_at` → `createdAt`). */
const fieldOf = (column: string): string => column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * The business columns a writer supplies for these records: the catalog's work_items columns (sql-catalog.ts,
 * the one list of them) that the records carry; ids, hashes and pipeline columns are the database's own.
 */
function writerColumns(records: Record<string, unknown>[]): { columns: string[]; fields: string[] } {
  const carried = new Set(records.flatMap((r) => Object.keys(r)));
  const columns = businessCatalog().tables.work_items.columns.filter((c) => carried.has(fieldOf(c)));
  return { columns, fields: columns.map(fieldOf) };
}

/** PostgreSQL array literal for COPY (`{"a","b"}`), each element quoted with `"` and `\` escaped. */
function arrayLiteral(values: unknown[]): string {
  return `{${values.map((v) => `"${String(v).replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}

/** COPY text format: NULL as \N, and backslash, tab and line breaks escaped. */
function copyValue(v: unknown): string {
  if (v === undefined || v === null) return '\\N';
  return (typeof v === 'string' ? v : Array.isArray(v) ? arrayLiteral(v) : JSON.stringify(v))
    .replace(/\\/g, '\\\\')
    .replace(/\t/g, '\\t')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r');
}

/** COPYs work items as another program would: business columns only. */
export async function copyWorkItems(
  client: Client,
  tenantId: string,
  records: Record<string, unknown>[],
): Promise<void> {
  const { columns, fields } = writerColumns(records);
  await pipeline(
    Readable.from(records.map((r) => `${tenantId}\t${fields.map((f) => copyValue(r[f])).join('\t')}\n`)),
    client.query(copyFrom(`COPY work_items (tenant_id, ${columns.join(', ')}) FROM STDIN`)),
  );
}

/** One plain INSERT (autocommit) of a work item, as another program would write it. */
export async function insertWorkItem(
  client: Client,
  tenantId: string,
  record: Record<string, unknown>,
): Promise<void> {
  const { columns, fields } = writerColumns([record]);
  await client.query(
    `INSERT INTO work_items (tenant_id, ${columns.join(', ')})
     VALUES ($1, ${columns.map((_, j) => `$${j + 2}`).join(', ')})`,
    [tenantId, ...fields.map((f) => record[f] ?? null)],
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function vectorizedCount(pool: Pool, tenantId: string, externalIds: string[]): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM work_items
      WHERE tenant_id = $1 AND external_id = ANY($2) AND vector_hash = content_hash`,
    [tenantId, externalIds],
  );
  return rows[0].n;
}

/** COPY of `records` by a separate client → time until every row is searchable, against the bare model. */
export async function measureCopyToSearchable(opts: {
  databaseUrl: string;
  pool: Pool;
  tenantId: string;
  records: Record<string, unknown>[];
  bareRate: number;
}): Promise<BenchFigure[]> {
  const { pool, tenantId, records } = opts;
  const ids = records.map((r) => String(r.externalId));
  const client = new Client({ connectionString: opts.databaseUrl });
  await client.connect();
  const started = performance.now();
  try {
    await copyWorkItems(client, tenantId, records);
  } finally {
    await client.end();
  }
  const copyS = (performance.now() - started) / 1000;
  console.log(
    `  COPY of ${records.length} rows by another client in ${round(copyS, 2)} s; waiting for vectors…`,
  );
  while ((await vectorizedCount(pool, tenantId, ids)) < records.length) await sleep(250);
  const searchableS = (performance.now() - started) / 1000;
  const rate = records.length / searchableS;
  console.log(
    `  COPY → all searchable: ${round(searchableS)} s, ${round(rate)} rows/s = ${round(rate / opts.bareRate, 2)} × bare model`,
  );
  return [
    {
      label: `COPY of ${records.length} rows by another client → all searchable`,
      value: round(searchableS),
      unit: 's',
    },
    {
      label: 'COPY → searchable throughput (triggers, outbox, worker)',
      value: round(rate),
      unit: 'rows/s',
      baseline: { label: 'bare embedding model, batch 32, same kind of texts', value: round(opts.bareRate) },
      ratio: round(rate / opts.bareRate, 2),
    },
  ];
}

/** `rate` plain INSERTs per second (autocommit, one row each) → insert-to-searchable lag p50/p95. */
export async function measureDirectTrickle(opts: {
  databaseUrl: string;
  pool: Pool;
  tenantId: string;
  records: Record<string, unknown>[];
  rate: number;
}): Promise<BenchFigure[]> {
  const { pool, tenantId, records, rate } = opts;
  const client = new Client({ connectionString: opts.databaseUrl });
  await client.connect();
  const started = performance.now();
  try {
    for (const [i, r] of records.entries()) {
      const wait = started + (i * 1000) / rate - performance.now();
      if (wait > 0) await sleep(wait);
      await insertWorkItem(client, tenantId, r);
    }
  } finally {
    await client.end();
  }
  const ids = records.map((r) => String(r.externalId));
  while ((await vectorizedCount(pool, tenantId, ids)) < records.length) await sleep(250);
  const { rows } = await pool.query<{ lag: number }>(
    `SELECT extract(epoch FROM vectorized_at - ingested_at)::float8 AS lag FROM work_items
      WHERE tenant_id = $1 AND external_id = ANY($2)`,
    [tenantId, ids],
  );
  const lags = rows.map((r) => Number(r.lag));
  const [p50, p95] = [50, 95].map((p) => percentile(lags, p) ?? NaN);
  console.log(
    `  direct INSERT trickle ${rate}/s × ${records.length}: lag p50 ${round(p50, 2)} s, p95 ${round(p95, 2)} s`,
  );
  return [
    {
      label: `direct INSERT trickle ${rate}/s insert-to-searchable lag p50`,
      value: round(p50, 2),
      unit: 's',
    },
    {
      label: `direct INSERT trickle ${rate}/s insert-to-searchable lag p95`,
      value: round(p95, 2),
      unit: 's',
    },
  ];
}

/**
 * A bulk COPY with the change-capture triggers against the same COPY with them disabled, alternating, in a
 * database of its own (no worker drains the outbox meanwhile). Generated hash columns are in both.
 */
export async function measureTriggerOverhead(
  records: Record<string, unknown>[],
  runs = 5,
): Promise<BenchFigure[]> {
  const db = await createMigratedDatabase('pulse_bench_triggers');
  const client = new Client({ connectionString: db.url });
  await client.connect();
  const tenantId = '00000000-0000-4000-8000-000000000001';
  const timed = { with: [] as number[], without: [] as number[] };
  try {
    for (let run = 0; run < runs * 2; run++) {
      const withTriggers = run % 2 === 0;
      await client.query('TRUNCATE work_items, change_outbox, data_versions');
      await client.query('VACUUM ANALYZE work_items');
      await client.query(`ALTER TABLE work_items ${withTriggers ? 'ENABLE' : 'DISABLE'} TRIGGER USER`);
      const started = performance.now();
      await copyWorkItems(client, tenantId, records);
      timed[withTriggers ? 'with' : 'without'].push(performance.now() - started);
    }
  } finally {
    await client.end();
    await db.drop();
  }
  const median = (xs: number[]) => percentile(xs, 50) ?? NaN;
  const [withMs, withoutMs] = [median(timed.with), median(timed.without)];
  console.log(
    `  COPY ${records.length} rows: ${round(withMs)} ms with triggers, ${round(withoutMs)} ms without (median of ${runs}) = ${round(withMs / withoutMs, 2)}×`,
  );
  return [
    {
      label: `bulk COPY of ${records.length} rows with change-capture triggers`,
      value: round(withMs),
      unit: 'ms',
      baseline: { label: 'same COPY, triggers disabled', value: round(withoutMs) },
      ratio: round(withMs / withoutMs, 2),
      goal: '≤ 1.3× without triggers',
    },
  ];
}
