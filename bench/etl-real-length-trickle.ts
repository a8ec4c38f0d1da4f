import type { INestApplication } from '@nestjs/common';
import { PgPoolService } from '@app/database';
import { generateDemoDataset } from '@app/etl';
import { percentile } from '@app/metrics';

/**
 * bench:etl's trickle with real-length work items: demo records whose descriptions are ~100 words (a real
 * ticket's length, so the model reads its full 128 tokens), sent at `rate` records/s in 10 requests a second.
 * Returns the ingest-to-searchable lag (`vectorized_at - ingested_at`) percentiles. Kept apart from the bulk
 * and short-text trickle phases so either can change without the other.
 */
export async function realLengthTrickle({
  app,
  tenantId,
  post,
  rate,
  seconds,
}: {
  app: INestApplication;
  tenantId: string;
  post: (records: Record<string, unknown>[]) => Promise<unknown>;
  rate: number;
  seconds: number;
}): Promise<{ count: number; p50: number; p95: number; p99: number; wallS: number }> {
  const words = (
    'the checkout service returns errors after deploy when customers pay with a saved card and the retry ' +
    'logic times out against the payments database while the connection pool is exhausted under load so ' +
    'requests queue behind a lock on the orders table until the on-call engineer restarts the pods and the ' +
    'dashboard shows latency back to normal but the root cause remains in the migration that added an index'
  ).split(' ');
  let seed = 11;
  const sentence = (n: number): string =>
    Array.from({ length: n }, () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return words[seed % words.length];
    }).join(' ');
  const records = generateDemoDataset({
    seed: 13,
    workItems: rate * seconds,
    pullRequests: 0,
    deployments: 0,
  }).workItems.map((r, i) => ({ ...r, externalId: `REAL-${i}`, description: `${sentence(100)} (#${i})` }));

  const perTick = Math.max(1, Math.round(rate / 10));
  const started = performance.now();
  const inFlight: Promise<unknown>[] = [];
  for (let sent = 0, tick = 0; sent < records.length; sent += perTick, tick++) {
    const wait = started + tick * 100 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(post(records.slice(sent, sent + perTick)));
  }
  await Promise.all(inFlight);
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
