import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import { AppConfig } from '@app/config';
import { PgPoolService } from '@app/database';
import { generateDemoDataset } from '@app/etl';
import { percentile } from '@app/metrics';
import { insertWorkItem } from './etl-direct-writes';

const WORDS = (
  'the checkout service returns errors after deploy when customers pay with a saved card and the retry ' +
  'logic times out against the payments database while the connection pool is exhausted under load so ' +
  'requests queue behind a lock on the orders table until the on-call engineer restarts the pods and the ' +
  'dashboard shows latency back to normal but the root cause remains in the migration that added an index'
).split(' ');

/** `n` demo work items whose descriptions are ~100 words, external ids `${prefix}-0…`, each text distinct. */
export function realLengthWorkItems(n: number, prefix: string): Record<string, unknown>[] {
  let seed = 11;
  const sentence = (words: number): string =>
    Array.from({ length: words }, () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return WORDS[seed % WORDS.length];
    }).join(' ');
  return generateDemoDataset({ seed: 13, workItems: n, pullRequests: 0, deployments: 0 }).workItems.map(
    (r, i) => ({ ...r, externalId: `${prefix}-${i}`, description: `${sentence(100)} (#${i})` }),
  );
}

/**
 * bench:etl's trickle with real-length work items: demo records whose descriptions are ~100 words (a real
 * ticket's length, so the model reads its full 128 tokens), written by another program as plain INSERTs
 * (autocommit, one row each) at `rate` records/s, so each one is its own outbox change and NOTIFY.
 * Returns the ingest-to-searchable lag (`vectorized_at - ingested_at`) percentiles. Kept apart from the bulk
 * and short-text trickle phases so either can change without the other.
 */
export async function realLengthTrickle({
  app,
  tenantId,
  rate,
  seconds,
}: {
  app: INestApplication;
  tenantId: string;
  rate: number;
  seconds: number;
}): Promise<{ count: number; p50: number; p95: number; p99: number; wallS: number }> {
  const records = realLengthWorkItems(rate * seconds, 'REAL');
  const client = new Client({ connectionString: app.get(AppConfig).database.url });
  await client.connect();
  const started = performance.now();
  try {
    for (const [i, record] of records.entries()) {
      const wait = started + (i * 1000) / rate - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await insertWorkItem(client, tenantId, record);
    }
  } finally {
    await client.end();
  }
  const wallS = (performance.now() - started) / 1000;

  const pool = app.get(PgPoolService).pool;
  const ids = records.map((r) => r.externalId);
  for (;;) {
    const { rows } = await pool.query<{ lag: number }>(
      `SELECT extract(epoch FROM vectorized_at - ingested_at)::float8 AS lag FROM work_items
          WHERE tenant_id = $1 AND external_id = ANY($2) AND (vectorized_at IS NOT NULL OR vector_error IS NOT NULL)`,
      [tenantId, ids],
    );
    if (rows.length >= records.length) {
      const lags = rows.map((r) => Number(r.lag)).filter((l) => Number.isFinite(l));
      const [p50, p95, p99] = [50, 95, 99].map((p) => percentile(lags, p) ?? NaN);
      return { count: lags.length, p50, p95, p99, wallS };
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
