import { AppException, ErrorCode } from '@app/common';

export type SqlErrorCode =
  ErrorCode.SQL_REJECTED | ErrorCode.DEPENDENCY_UNAVAILABLE | ErrorCode.VALIDATION_FAILED;

/** Why a query was refused or failed; stable strings so callers (and the LLM retry loop) can branch on them. */
export type SqlRejectRule =
  | 'too_long'
  | 'too_deep'
  | 'syntax_error'
  | 'empty'
  | 'multiple_statements'
  | 'not_select'
  | 'select_into'
  | 'locking_clause'
  | 'data_modifying_cte'
  | 'function_not_allowed'
  | 'type_not_allowed'
  | 'operator_not_allowed'
  | 'system_schema'
  | 'schema_not_allowed'
  | 'table_not_allowed'
  | 'parameter_not_allowed'
  | 'unsupported_construct'
  | 'unknown_column'
  | 'explain_failed'
  | 'cost_too_high'
  | 'timeout'
  | 'read_only_violation'
  | 'permission_denied'
  | 'execution_failed'
  | 'database_unavailable'
  | 'invalid_input';

export interface SqlGuardDetails {
  rule: SqlRejectRule;
  stage: 'guard' | 'validate' | 'execute';
  [key: string]: unknown;
}

/**
 * The SQL module's one exception. `reason` (the message) is written for a language model to read and fix
 * its query; `details.rule` is the machine-readable class.
 */
export class SqlGuardException extends AppException<SqlErrorCode> {
  declare readonly details: SqlGuardDetails;

  constructor(code: SqlErrorCode, reason: string, details: SqlGuardDetails, options?: { cause?: unknown }) {
    super(code, reason, details, options);
  }

  get reason(): string {
    return this.message;
  }

  get rule(): SqlRejectRule {
    return this.details.rule;
  }

  static rejected(
    rule: SqlRejectRule,
    reason: string,
    extra: Record<string, unknown> = {},
    stage: SqlGuardDetails['stage'] = 'guard',
  ): SqlGuardException {
    return new SqlGuardException(ErrorCode.SQL_REJECTED, reason, { ...extra, rule, stage });
  }
}
