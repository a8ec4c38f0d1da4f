import { Injectable } from '@nestjs/common';
import { PgPoolService } from '@app/database';
import { CostLedgerRepository, CURRENT_MONTH_SQL, type LedgerEntry } from './cost-ledger.repository';

/** The tenant's month when a hold would not fit: what is spent and what calls in flight hold. */
export interface BudgetState {
  spentUsd: number;
  reservedUsd: number;
}

/** `llm_budget_reservations` against `tenant_monthly_spend`, one row lock per tenant and month. */
@Injectable()
export class LlmBudgetRepository {
  constructor(
    private readonly pg: PgPoolService,
    private readonly ledger: CostLedgerRepository,
  ) {}

  /**
   * Holds `amountUsd` for `holdMs` if spent + live holds + amount stays within `budgetUsd` (the tenant's, read
   * through the tenancy library); returns the hold's id, or the month's state when it would not fit.
   */
  async hold(
    tenantId: string,
    budgetUsd: number,
    amountUsd: number,
    holdMs: number,
  ): Promise<{ id: string } | { refused: BudgetState }> {
    return this.pg.transaction(async (db) => {
      await db.query(
        `INSERT INTO tenant_monthly_spend (tenant_id, month) VALUES ($1, ${CURRENT_MONTH_SQL}) ON CONFLICT DO NOTHING`,
        [tenantId],
      );
      // Serialises reservations per tenant and month. The sums are read by the next statement, whose snapshot
      // is taken after the lock is granted and so sees everything the previous holder committed.
      await db.query(
        `SELECT 1 FROM tenant_monthly_spend WHERE tenant_id = $1 AND month = ${CURRENT_MONTH_SQL} FOR UPDATE`,
        [tenantId],
      );
      await db.query('DELETE FROM llm_budget_reservations WHERE tenant_id = $1 AND expires_at <= now()', [
        tenantId,
      ]);
      const {
        rows: [state],
      } = await db.query<{ spent: string; reserved: string; fits: boolean }>(
        `SELECT s.spent_usd::text AS spent, r.reserved::text AS reserved,
                s.spent_usd + r.reserved + $2::numeric <= $3::numeric AS fits
         FROM tenant_monthly_spend s
         CROSS JOIN (SELECT coalesce(sum(amount_usd), 0) AS reserved FROM llm_budget_reservations
                     WHERE tenant_id = $1) r
         WHERE s.tenant_id = $1 AND s.month = ${CURRENT_MONTH_SQL}`,
        [tenantId, amountUsd.toFixed(8), String(budgetUsd)],
      );
      if (!state.fits) {
        return {
          refused: {
            spentUsd: Number(state.spent),
            reservedUsd: Number(state.reserved),
          },
        };
      }
      const {
        rows: [reservation],
      } = await db.query<{ id: string }>(
        `INSERT INTO llm_budget_reservations (tenant_id, amount_usd, expires_at)
         VALUES ($1, $2::numeric, now() + $3 * interval '1 millisecond') RETURNING id`,
        [tenantId, amountUsd.toFixed(8), holdMs],
      );
      return { id: reservation.id };
    });
  }

  /** Drops the hold and writes the call's ledger row in one transaction. */
  async settle(reservationId: string, entry: LedgerEntry): Promise<void> {
    await this.pg.transaction(async (db) => {
      await db.query('DELETE FROM llm_budget_reservations WHERE id = $1', [reservationId]);
      await this.ledger.insert(entry, db);
    });
  }
}
