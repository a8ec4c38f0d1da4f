import { Injectable, Logger } from '@nestjs/common';
import { ErrorCode } from '@app/common';
import { PgPoolService } from '@app/database';
import { CURRENT_MONTH_SQL, CostLedgerService, type LedgerEntry } from './cost-ledger.service';
import { LlmException } from './llm.exception';

export interface BudgetReservation {
  id: string;
  tenantId: string;
  amountUsd: number;
}

/**
 * Per-tenant monthly budgets (tenants.monthly_budget_usd), enforced in PostgreSQL so that concurrent calls in
 * any number of processes cannot overspend: a reservation is taken under a row lock on the tenant's
 * tenant_monthly_spend row, checked against spent + live reservations, and settled into the ledger when the
 * call ends. PostgreSQL rather than Redis because the ledger and the month's total live there: settling is one
 * transaction, with no second store to drift from.
 */
@Injectable()
export class LlmBudgetService {
  private readonly logger = new Logger(LlmBudgetService.name);

  constructor(
    private readonly pg: PgPoolService,
    private readonly ledger: CostLedgerService,
  ) {}

  /**
   * Holds `amountUsd` against the tenant's budget for at most `holdMs` (a crashed caller's hold then lapses).
   * Returns undefined when the tenant has no budget; throws LlmException(BUDGET_EXCEEDED) when it would not fit.
   */
  async reserve(tenantId: string, amountUsd: number, holdMs: number): Promise<BudgetReservation | undefined> {
    const { rows } = await this.pg.pool.query<{ budget: string | null }>(
      'SELECT monthly_budget_usd::text AS budget FROM tenants WHERE id = $1',
      [tenantId],
    );
    if (rows.length === 0 || rows[0].budget === null) return undefined;

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
      } = await db.query<{ budget: string; spent: string; reserved: string; fits: boolean }>(
        `SELECT t.monthly_budget_usd::text AS budget, s.spent_usd::text AS spent, r.reserved::text AS reserved,
                s.spent_usd + r.reserved + $2::numeric <= t.monthly_budget_usd AS fits
         FROM tenants t
         JOIN tenant_monthly_spend s ON s.tenant_id = t.id AND s.month = ${CURRENT_MONTH_SQL}
         CROSS JOIN (SELECT coalesce(sum(amount_usd), 0) AS reserved FROM llm_budget_reservations
                     WHERE tenant_id = $1) r
         WHERE t.id = $1`,
        [tenantId, amountUsd.toFixed(8)],
      );
      if (!state.fits) {
        throw new LlmException(
          ErrorCode.BUDGET_EXCEEDED,
          `The monthly LLM budget of $${Number(state.budget)} is spent ($${Number(state.spent)} used, ` +
            `$${Number(state.reserved)} held by calls in flight; this call needs up to $${amountUsd.toFixed(6)})`,
          {
            budgetUsd: Number(state.budget),
            spentUsd: Number(state.spent),
            reservedUsd: Number(state.reserved),
            requiredUsd: amountUsd,
          },
        );
      }
      const {
        rows: [reservation],
      } = await db.query<{ id: string }>(
        `INSERT INTO llm_budget_reservations (tenant_id, amount_usd, expires_at)
         VALUES ($1, $2::numeric, now() + $3 * interval '1 millisecond') RETURNING id`,
        [tenantId, amountUsd.toFixed(8), holdMs],
      );
      return { id: reservation.id, tenantId, amountUsd };
    });
  }

  /**
   * Records the finished call and drops its hold in one transaction (the actual cost replaces the estimate).
   * Never rejects; if it fails, the hold lapses at its expiry.
   */
  async settle(reservation: BudgetReservation | undefined, entry: LedgerEntry): Promise<void> {
    if (!reservation) return this.ledger.record(entry);
    try {
      await this.pg.transaction(async (db) => {
        await db.query('DELETE FROM llm_budget_reservations WHERE id = $1', [reservation.id]);
        await this.ledger.write(db, entry);
      });
    } catch (err) {
      this.logger.error(`Settling budget reservation ${reservation.id} failed: ${String(err)}`);
    }
  }
}
