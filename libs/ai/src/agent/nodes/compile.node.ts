import { Injectable } from '@nestjs/common';
import { CostLedgerService } from '../../providers';
import { SemanticModelService, SemanticSqlCompiler } from '../../semantic';
import type { QueryNode, QueryState, QueryUpdate } from '../query-state';

/** The zero-cost route: the semantic layer writes the SQL from its plan. Recorded in the ledger at no money cost. */
@Injectable()
export class CompileNode implements QueryNode {
  readonly name = 'compile';

  constructor(
    private readonly compiler: SemanticSqlCompiler,
    private readonly models: SemanticModelService,
    private readonly ledger: CostLedgerService,
  ) {}

  run(state: QueryState): QueryUpdate {
    const started = performance.now();
    const compiled = this.compiler.compile(state.plan!, state.input.tenantId);
    // Planning and compiling are synchronous CPU work, so their wall time is their CPU time.
    const ms = performance.now() - started + (state.timings.plan ?? 0);
    void this.ledger.record({
      tenantId: state.input.tenantId,
      provider: 'semantic-layer',
      model: `semantic-model@${this.models.version}`,
      operation: 'plan',
      costUsd: 0,
      latencyMs: ms,
      cpuMs: ms,
      outcome: 'ok',
    });
    return { candidate: { source: 'semantic', sql: compiled.guardSql } };
  }
}
