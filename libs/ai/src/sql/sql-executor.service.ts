import { Injectable } from '@nestjs/common';
import type { PoolClient, QueryConfig } from 'pg';
import { ErrorCode } from '@app/common';
import { AppConfig } from '@app/config';
import { PgPoolService, isDatabaseUnavailable } from '@app/database';
import { JSON_SAFE_TYPES, SESSION_SETTINGS } from './json-safe';
import { SqlGuardException } from './sql-guard.exception';
import type { ExecuteOptions, ExplainResult, SqlResult, SqlStatement } from './sql.types';

const CURSOR = 'pulse_guarded_query';

interface PgError {
  code?: string;
  message?: string;
  hint?: string;
  position?: string;
}

/**
 * Forces the extended protocol (pg's `queryMode`, missing from @types/pg), which refuses a second statement
 * even when the query has no parameters.
 */
function extended(text: string, values: string[]): QueryConfig<string[]> {
  return Object.assign({ text, values }, { queryMode: 'extended' as const });
}

function pgError(err: unknown): PgError {
  return typeof err === 'object' && err !== null ? err : { message: String(err) };
}

/**
 * Runs guarded SQL as the read-only reader role: one transaction with SET TRANSACTION READ ONLY,
 * SET LOCAL ROLE (SELECT on the business tables only, subject to row-level security keyed on
 * app.tenant_id), a statement timeout and a server-side row cap (a cursor fetch), whatever the SQL says.
 */
@Injectable()
export class SqlExecutorService {
  constructor(
    private readonly config: AppConfig,
    private readonly pg: PgPoolService,
  ) {}

  async execute(statement: SqlStatement, options: ExecuteOptions): Promise<SqlResult> {
    const maxRows = options.maxRows ?? this.config.sql.rowLimit;
    return this.inReaderSession(options, async (client) => {
      await client.query(
        extended(
          `DECLARE ${CURSOR} NO SCROLL CURSOR FOR ${statement.sql}`,
          this.values(statement, options.tenantId),
        ),
      );
      const result = await client.query<unknown[]>({
        text: `FETCH FORWARD ${maxRows + 1} FROM ${CURSOR}`,
        rowMode: 'array',
        types: JSON_SAFE_TYPES,
      });
      const capped = result.rows.length > maxRows;
      const rows = capped ? result.rows.slice(0, maxRows) : result.rows;
      const limitReached =
        statement.limitImposed === true &&
        statement.rowLimit !== undefined &&
        rows.length >= statement.rowLimit;
      return {
        columns: result.fields.map((f) => f.name),
        rows,
        rowCount: rows.length,
        truncated: capped || limitReached,
      };
    });
  }

  /** EXPLAIN (FORMAT JSON), never ANALYZE: plans the query in the same session as execute() without running it. */
  async explain(statement: SqlStatement, options: ExecuteOptions): Promise<ExplainResult> {
    return this.inReaderSession(options, async (client) => {
      const result = await client.query<{ 'QUERY PLAN': unknown }>(
        extended(`EXPLAIN (FORMAT JSON) ${statement.sql}`, this.values(statement, options.tenantId)),
      );
      const plan = result.rows[0]?.['QUERY PLAN'];
      const top = Array.isArray(plan)
        ? (plan[0] as { Plan?: { 'Total Cost'?: number } } | undefined)
        : undefined;
      return { totalCost: top?.Plan?.['Total Cost'] ?? 0, plan };
    });
  }

  private values(statement: SqlStatement, tenantId: string): string[] {
    return statement.params.map((p) => {
      switch (p) {
        case 'tenant':
          return tenantId;
      }
    });
  }

  private async inReaderSession<T>(
    options: ExecuteOptions,
    fn: (client: PoolClient) => Promise<T>,
  ): Promise<T> {
    if (!options.tenantId) {
      throw new SqlGuardException(ErrorCode.VALIDATION_FAILED, 'A tenant id is required to run a query.', {
        rule: 'invalid_input',
        stage: 'execute',
      });
    }
    const timeoutMs = options.timeoutMs ?? this.config.sql.statementTimeoutMs;
    const settings: Record<string, string> = {
      ...SESSION_SETTINGS,
      'app.tenant_id': options.tenantId,
      statement_timeout: String(timeoutMs),
      // The cursor is read to the end (up to the cap), so plan for all rows, not the first 10%.
      cursor_tuple_fraction: '1',
    };
    const names = Object.keys(settings);
    const setSql = `SELECT ${names.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, true)`).join(', ')}`;
    try {
      return await this.pg.transaction(async (client) => {
        await client.query('SET TRANSACTION READ ONLY');
        await client.query(`SET LOCAL ROLE ${client.escapeIdentifier(this.config.database.readerRole)}`);
        await client.query(
          setSql,
          names.flatMap((n) => [n, settings[n]]),
        );
        return fn(client);
      });
    } catch (err) {
      throw this.translate(err, timeoutMs);
    }
  }

  private translate(err: unknown, timeoutMs: number): unknown {
    if (err instanceof SqlGuardException) return err;
    const e = pgError(err);
    const extra = { sqlState: e.code, hint: e.hint, position: e.position };
    if (isDatabaseUnavailable(err)) {
      return new SqlGuardException(
        ErrorCode.DEPENDENCY_UNAVAILABLE,
        'The database is unavailable; try again later.',
        { rule: 'database_unavailable', stage: 'execute', sqlState: e.code },
        { cause: err },
      );
    }
    if (e.code === '57014') {
      return SqlGuardException.rejected(
        'timeout',
        `The query ran longer than ${timeoutMs} ms and was cancelled; filter on an indexed column ` +
          `(tenant-scoped dates, status, project), aggregate earlier or remove cross joins.`,
        { ...extra, timeoutMs },
        'execute',
      );
    }
    if (e.code === '25006') {
      return SqlGuardException.rejected(
        'read_only_violation',
        'The query tried to write; only reading is allowed.',
        extra,
        'execute',
      );
    }
    if (e.code === '42501') {
      return SqlGuardException.rejected(
        'permission_denied',
        `Permission denied: ${e.message ?? ''}. Only the business tables can be read.`,
        extra,
        'execute',
      );
    }
    // Class 22 (data exceptions), 42 (syntax, undefined objects), 53/54 (resources, limits): the query is at fault.
    if (e.code && /^[0-9A-Z]{5}$/.test(e.code) && !e.code.startsWith('XX')) {
      return SqlGuardException.rejected(
        'execution_failed',
        `PostgreSQL refused the query: ${e.message ?? ''}${e.hint ? ` (hint: ${e.hint})` : ''}.`,
        extra,
        'execute',
      );
    }
    return err;
  }
}
