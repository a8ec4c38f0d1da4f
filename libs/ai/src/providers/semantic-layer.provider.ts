import { Injectable } from '@nestjs/common';
import {
  SemanticModelService,
  SemanticSqlCompilerService,
  type CompiledQuery,
  type QueryPlan,
} from '../semantic';
import { CostLedgerService } from './cost-ledger.service';

/**
 * The zero-cost SQL provider: the semantic layer writes the SQL from a plan, and each compilation is one ledger
 * row at no money cost (provider `semantic-layer`, operation `plan`), as every LLM call is one row.
 */
@Injectable()
export class SemanticLayerProvider {
  constructor(
    private readonly compiler: SemanticSqlCompilerService,
    private readonly models: SemanticModelService,
    private readonly ledger: CostLedgerService,
  ) {}

  /** `planMs`: the time planning took; it is part of the work recorded. */
  compile(plan: QueryPlan, tenantId: string, planMs: number): CompiledQuery {
    const started = performance.now();
    const compiled = this.compiler.compile(plan, tenantId);
    // Planning and compiling are synchronous CPU work, so their wall time is their CPU time.
    const ms = performance.now() - started + planMs;
    void this.ledger.record({
      tenantId,
      provider: 'semantic-layer',
      model: `semantic-model@${this.models.version}`,
      operation: 'plan',
      costUsd: 0,
      latencyMs: ms,
      cpuMs: ms,
      outcome: 'ok',
    });
    return compiled;
  }
}
