import { Injectable } from '@nestjs/common';
import { SemanticModelService } from '../../semantic';
import { SqlGuardService } from '../../sql';
import type { QueryNode, QueryState, QueryUpdate } from '../query-state';

/**
 * Every route's SQL passes here right before it runs, whatever validated it before: one SELECT over the model's
 * tables, every tenant-scoped table filtered to the caller, a capped LIMIT. Throws SQL_REJECTED otherwise.
 */
@Injectable()
export class GuardNode implements QueryNode {
  readonly name = 'guard';

  constructor(
    private readonly guard: SqlGuardService,
    private readonly models: SemanticModelService,
  ) {}

  run(state: QueryState): QueryUpdate {
    return { guarded: this.guard.check(state.candidate!.sql, { catalog: this.models.catalog }) };
  }
}
