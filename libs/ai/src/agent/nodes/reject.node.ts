import { Injectable } from '@nestjs/common';
import { ErrorCode } from '@app/common';
import { QueryAgentException } from '../query-agent.exception';
import type { QueryNode, QueryState, QueryUpdate } from '../query-state';

/** The model's SQL still failed validation after the correction rounds: 422 SQL_REJECTED, nothing executed. */
@Injectable()
export class RejectNode implements QueryNode {
  readonly name = 'reject';

  run(state: QueryState): QueryUpdate {
    const last = state.attempts[state.attempts.length - 1];
    const reasons = last?.issues.map((i) => i.message).join(' ') ?? 'no SQL was produced';
    throw new QueryAgentException(
      ErrorCode.SQL_REJECTED,
      `The generated SQL was rejected after ${state.attempts.length} attempts: ${reasons}`,
      {
        rule: last?.issues[0]?.rule ?? 'no_sql',
        stage: last?.issues[0]?.stage ?? 'format',
        attempts: state.attempts.map((a) => ({ sql: a.sql, issues: a.issues })),
      },
    );
  }
}
