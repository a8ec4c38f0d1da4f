import type { Pool } from 'pg';

export interface DeploymentRow {
  service: string;
  environment: string;
  status: 'success' | 'failed' | 'rolled_back';
  startedAt: Date;
}

const DAY_MS = 86_400_000;

/** Monday 00:00 UTC of the week containing `at`. */
export function mondayOf(at: Date): Date {
  const day = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  return new Date(day - ((new Date(day).getUTCDay() + 6) % 7) * DAY_MS);
}

/**
 * Production deployments of one service, `perWeek` a week on weekdays over `weeks` complete weeks ending before
 * the week of `now`; `failures(weekIndex)` of each week fail (index 0 is the oldest week).
 */
export function weeklyDeployments(opts: {
  now: Date;
  weeks: number;
  service: string;
  perWeek: (week: number) => number;
  failures: (week: number) => number;
}): DeploymentRow[] {
  const end = mondayOf(opts.now).getTime();
  const rows: DeploymentRow[] = [];
  for (let w = 0; w < opts.weeks; w++) {
    const monday = end - (opts.weeks - w) * 7 * DAY_MS;
    const n = opts.perWeek(w);
    const failed = opts.failures(w);
    for (let i = 0; i < n; i++) {
      rows.push({
        service: opts.service,
        environment: 'production',
        status: i < failed ? (i % 2 === 0 ? 'failed' : 'rolled_back') : 'success',
        startedAt: new Date(monday + (i % 5) * DAY_MS + 9 * 3_600_000 + i * 60_000),
      });
    }
  }
  return rows;
}

/** Inserts deployments straight into the table (as the ETL would have stored them), in one statement. */
export async function insertDeployments(pool: Pool, tenantId: string, rows: DeploymentRow[]): Promise<void> {
  if (rows.length === 0) return;
  const ids = rows.map((_, i) => `deploy-${tenantId.slice(0, 8)}-${Date.now()}-${i}`);
  await pool.query(
    `INSERT INTO deployments (tenant_id, external_id, service, environment, status, version, started_at, finished_at)
     SELECT $1, x.external_id, x.service, x.environment, x.status, '1.0.' || x.ord, x.started_at,
            x.started_at + interval '5 minutes'
     FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
          WITH ORDINALITY AS x(external_id, service, environment, status, started_at, ord)`,
    [
      tenantId,
      ids,
      rows.map((r) => r.service),
      rows.map((r) => r.environment),
      rows.map((r) => r.status),
      rows.map((r) => r.startedAt.toISOString()),
    ],
  );
  // Asked about, never searched: the worker need not embed them (see forgetChanges in @app/ai's SQL fixtures).
  await pool.query('DELETE FROM change_outbox WHERE tenant_id = $1', [tenantId]);
}
