import { Injectable } from '@nestjs/common';
import { SemanticPlanner } from '../../semantic';
import type { QueryNode, QueryState, QueryUpdate } from '../query-state';

/** No cached answer, the planner is unsure and no LLM is configured: 422 CANNOT_ANSWER with what was understood. */
@Injectable()
export class RefuseNode implements QueryNode {
  readonly name = 'refuse';

  constructor(private readonly planner: SemanticPlanner) {}

  run(state: QueryState): QueryUpdate {
    throw this.planner.cannotAnswer(state.plan!);
  }
}
