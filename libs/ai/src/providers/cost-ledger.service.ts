import { Injectable, Logger } from '@nestjs/common';
import {
  CostLedgerRepository,
  type LedgerEntry,
  type LedgerOutcome,
  type ProviderTotals,
} from './cost-ledger.repository';

/**
 * The money and work record: one row per provider call or unit of local work. Writing a costed row also adds
 * it to the tenant's month-to-date total in the same statement, which is what budgets are checked against.
 */
@Injectable()
export class CostLedgerService {
  private readonly logger = new Logger(CostLedgerService.name);

  constructor(private readonly rows: CostLedgerRepository) {}

  /** Never rejects: losing a ledger row must not fail the answer it describes. */
  async record(entry: LedgerEntry): Promise<void> {
    try {
      await this.rows.insert(entry);
    } catch (err) {
      this.logger.error(
        `Cost ledger write failed (${entry.provider}/${entry.operation}, tenant ${entry.tenantId}): ${String(err)}`,
      );
    }
  }

  /**
   * Runs local work (semantic layer, bundled embeddings) and records it at zero money cost with its wall and
   * CPU time. CPU time is the whole process's, so concurrent work inflates it; it is a cost signal, not a profile.
   */
  async measureLocal<T>(
    meta: Pick<LedgerEntry, 'tenantId' | 'provider' | 'model' | 'operation'>,
    work: () => T | Promise<T>,
  ): Promise<T> {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    let outcome: LedgerOutcome = 'error';
    try {
      const result = await work();
      outcome = 'ok';
      return result;
    } finally {
      const cpu = process.cpuUsage(cpuBefore);
      await this.record({
        ...meta,
        costUsd: 0,
        latencyMs: performance.now() - started,
        cpuMs: (cpu.user + cpu.system) / 1000,
        outcome,
      });
    }
  }

  /** Money spent by the tenant since the start of the current UTC month, from the ledger itself. */
  monthToDate(tenantId: string): Promise<number> {
    return this.rows.monthToDate(tenantId);
  }

  /** Per-provider totals (all tenants when tenantId is omitted), for the performance endpoint. */
  providerTotals(tenantId?: string, since?: Date): Promise<ProviderTotals[]> {
    return this.rows.providerTotals(tenantId, since);
  }
}
