import { Injectable, Logger } from '@nestjs/common';
import { ErrorCode } from '@app/common';
import { TenantService } from '@app/tenancy';
import type { LedgerEntry } from './cost-ledger.repository';
import { CostLedgerService } from './cost-ledger.service';
import { LlmBudgetRepository } from './llm-budget.repository';
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
    private readonly budgets: LlmBudgetRepository,
    private readonly tenants: TenantService,
    private readonly ledger: CostLedgerService,
  ) {}

  /**
   * Holds `amountUsd` against the tenant's budget for at most `holdMs` (a crashed caller's hold then lapses).
   * Returns undefined when the tenant has no budget; throws LlmException(BUDGET_EXCEEDED) when it would not fit.
   */
  async reserve(tenantId: string, amountUsd: number, holdMs: number): Promise<BudgetReservation | undefined> {
    const budgetUsd = await this.tenants.monthlyBudgetUsd(tenantId);
    if (budgetUsd === null) return undefined;
    const held = await this.budgets.hold(tenantId, budgetUsd, amountUsd, holdMs);
    if ('refused' in held) {
      const { spentUsd, reservedUsd } = held.refused;
      throw new LlmException(
        ErrorCode.BUDGET_EXCEEDED,
        `The monthly LLM budget of $${budgetUsd} is spent ($${spentUsd} used, ` +
          `$${reservedUsd} held by calls in flight; this call needs up to $${amountUsd.toFixed(6)})`,
        { budgetUsd, spentUsd, reservedUsd, requiredUsd: amountUsd },
      );
    }
    return { id: held.id, tenantId, amountUsd };
  }

  /**
   * Records the finished call and drops its hold in one transaction (the actual cost replaces the estimate).
   * Never rejects; if it fails, the hold lapses at its expiry.
   */
  async settle(reservation: BudgetReservation | undefined, entry: LedgerEntry): Promise<void> {
    if (!reservation) return this.ledger.record(entry);
    try {
      await this.budgets.settle(reservation.id, entry);
    } catch (err) {
      this.logger.error(`Settling budget reservation ${reservation.id} failed: ${String(err)}`);
    }
  }
}
