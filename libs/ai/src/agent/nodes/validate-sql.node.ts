import { Injectable } from '@nestjs/common';
import { ErrorCode } from '@app/common';
import { SemanticModelService } from '../../semantic';
import { SqlGuardException, SqlValidatorService } from '../../sql';
import { BusinessRulesValidator } from '../business-rules.validator';
import type { QueryNode, QueryState, QueryUpdate, ValidationIssue } from '../query-state';

/**
 * Checks the model's SQL after it was written, in parallel: the guard's syntax and allow-lists plus the column
 * check and EXPLAIN cost bound (SqlValidatorService), and the model's business rules. Nothing runs the query here.
 */
@Injectable()
export class ValidateSqlNode implements QueryNode {
  readonly name = 'validate';

  constructor(
    private readonly validator: SqlValidatorService,
    private readonly rules: BusinessRulesValidator,
    private readonly models: SemanticModelService,
  ) {}

  async run(state: QueryState): Promise<QueryUpdate> {
    const draft = state.draft!;
    const issues: ValidationIssue[] = [];
    if (!draft.sql) {
      issues.push({
        stage: 'format',
        rule: 'not_json',
        message: 'The answer was not a JSON object with a "sql" string.',
      });
    } else {
      const sql = draft.sql;
      const [checked, ruled] = await Promise.allSettled([
        this.validator.validate(sql, { catalog: this.models.catalog, tenantId: state.input.tenantId }),
        Promise.resolve().then(() => this.rules.check(sql)),
      ]);
      if (checked.status === 'rejected') {
        const err: unknown = checked.reason;
        // Anything but a verdict on the query (the database is down) is not the model's to fix.
        if (!(err instanceof SqlGuardException) || err.code !== ErrorCode.SQL_REJECTED) throw err;
        issues.push({
          stage: err.details.stage === 'guard' ? 'guard' : 'validate',
          rule: err.rule,
          message: err.reason,
        });
      }
      if (ruled.status === 'rejected') throw ruled.reason;
      issues.push(...ruled.value);
    }
    return {
      attempts: [{ content: draft.content, sql: draft.sql, issues }],
      candidate: issues.length === 0 && draft.sql ? { source: 'llm', sql: draft.sql } : null,
    };
  }
}
