import { Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { PgPoolService } from '@app/database';

export type LedgerOutcome = 'ok' | 'error' | 'budget_exceeded';

export interface LedgerEntry {
  tenantId: string;
  /** Integration name, `default`, or the local component (`semantic-layer`, `bundled`, ...). */
  provider: string;
  model: string;
  /** `chat`, `plan`, `embed`, ... */
  operation: string;
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
  latencyMs: number;
  cpuMs?: number;
  outcome: LedgerOutcome;
}

export interface ProviderTotals {
  provider: string;
  calls: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

/** Start of the current month, UTC, as stored in tenant_monthly_spend.month. */
export const CURRENT_MONTH_SQL = `date_trunc('month', now() AT TIME ZONE 'UTC')::date`;

/** `cost_ledger` and the month-to-date totals in `tenant_monthly_spend` that costed rows add to. */
@Injectable()
export class CostLedgerRepository {
  constructor(private readonly pg: PgPoolService) {}

  /** Writes on `db` (the caller's transaction, if any; else the pool); throws on failure. */
  async insert(entry: LedgerEntry, db: Pool | PoolClient = this.pg.pool): Promise<void> {
    // A writable CTE keeps the row and the month's total atomic without a transaction of its own.
    await db.query(
      `WITH entry AS (
         INSERT INTO cost_ledger (tenant_id, provider, model, operation, input_tokens, output_tokens, cost_usd,
                                  latency_ms, cpu_ms, outcome)
         VALUES ($1, $2, $3, $4, $5, $6, $7::numeric, $8, $9, $10)
         RETURNING tenant_id, cost_usd
       )
       INSERT INTO tenant_monthly_spend (tenant_id, month, spent_usd, updated_at)
       SELECT tenant_id, ${CURRENT_MONTH_SQL}, cost_usd, now() FROM entry WHERE cost_usd > 0
       ON CONFLICT (tenant_id, month)
       DO UPDATE SET spent_usd = tenant_monthly_spend.spent_usd + EXCLUDED.spent_usd, updated_at = now()`,
      [
        entry.tenantId,
        entry.provider,
        entry.model,
        entry.operation,
        Math.round(entry.inputTokens ?? 0),
        Math.round(entry.outputTokens ?? 0),
        (entry.costUsd ?? 0).toFixed(8),
        entry.latencyMs,
        entry.cpuMs ?? null,
        entry.outcome,
      ],
    );
  }

  /** Money spent by the tenant since the start of the current UTC month, from the ledger itself. */
  async monthToDate(tenantId: string): Promise<number> {
    const { rows } = await this.pg.pool.query<{ total: string }>(
      `SELECT coalesce(sum(cost_usd), 0)::text AS total FROM cost_ledger
       WHERE tenant_id = $1 AND created_at >= (${CURRENT_MONTH_SQL})::timestamp AT TIME ZONE 'UTC'`,
      [tenantId],
    );
    return Number(rows[0].total);
  }

  /** Per-provider totals (all tenants when tenantId is omitted). */
  async providerTotals(tenantId?: string, since?: Date): Promise<ProviderTotals[]> {
    const { rows } = await this.pg.pool.query<{
      provider: string;
      calls: string;
      errors: string;
      input_tokens: string;
      output_tokens: string;
      cost_usd: string;
    }>(
      `SELECT provider,
              count(*) FILTER (WHERE outcome <> 'budget_exceeded') AS calls,
              count(*) FILTER (WHERE outcome = 'error') AS errors,
              coalesce(sum(input_tokens), 0) AS input_tokens,
              coalesce(sum(output_tokens), 0) AS output_tokens,
              coalesce(sum(cost_usd), 0) AS cost_usd
       FROM cost_ledger
       WHERE ($1::uuid IS NULL OR tenant_id = $1) AND ($2::timestamptz IS NULL OR created_at >= $2)
       GROUP BY provider ORDER BY provider`,
      [tenantId ?? null, since ?? null],
    );
    return rows.map((r) => ({
      provider: r.provider,
      calls: Number(r.calls),
      errors: Number(r.errors),
      inputTokens: Number(r.input_tokens),
      outputTokens: Number(r.output_tokens),
      costUsd: Number(r.cost_usd),
    }));
  }
}
