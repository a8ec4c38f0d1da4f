import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Node, ParseResult, SelectStmt } from 'libpg-query';
import { deparseSync } from 'pgsql-parser';
import { AppConfig } from '@app/config';
import { loadSqlParser, parseSql, type ParsedSql } from './parse-sql';
import { QueryAnalyzer, type ColumnIssue } from './query-analyzer';
import { SqlGuardException } from './sql-guard.exception';
import type { GuardContext, GuardResult } from './sql.types';

const STATEMENT_KINDS: Record<string, string> = {
  InsertStmt: 'INSERT modifies data',
  UpdateStmt: 'UPDATE modifies data',
  DeleteStmt: 'DELETE modifies data',
  MergeStmt: 'MERGE modifies data',
  CopyStmt: 'COPY reads or writes files',
  TransactionStmt: 'transaction control is not allowed',
  VariableSetStmt: 'SET changes session settings',
  VariableShowStmt: 'SHOW reads server settings',
  ExplainStmt: 'EXPLAIN is run by the service itself',
  CallStmt: 'CALL runs procedures',
  DoStmt: 'DO runs code',
  PrepareStmt: 'PREPARE is not allowed',
  ExecuteStmt: 'EXECUTE is not allowed',
  LockStmt: 'LOCK is not allowed',
  TruncateStmt: 'TRUNCATE deletes data',
  GrantStmt: 'GRANT changes privileges',
  GrantRoleStmt: 'GRANT changes privileges',
  ListenStmt: 'LISTEN is not allowed',
  NotifyStmt: 'NOTIFY is not allowed',
  VacuumStmt: 'VACUUM is maintenance',
  DeclareCursorStmt: 'cursors are managed by the service',
};

const DDL_PREFIXES = 'Create Alter Drop Rename Comment Reindex Cluster Refresh Import Sec Define'.split(' ');

/** Wording for the rejection reason only; the decision is "the parsed statement is not a SelectStmt". */
function statementDescription(kind: string): string {
  if (STATEMENT_KINDS[kind]) return STATEMENT_KINDS[kind];
  const name = kind.replace(/Stmt$/, '');
  if (DDL_PREFIXES.some((p) => kind.startsWith(p))) return `${name} is a schema change (DDL)`;
  return `${name} is not a query`;
}

export interface GuardAnalysis {
  result: GuardResult;
  /** Column references that do not exist in the catalog (reported by SqlValidatorService). */
  columnIssues: ColumnIssue[];
}

/**
 * Turns SQL written by a language model into SQL that can only read the caller's rows: takes it parsed by
 * PostgreSQL's own parser (parseSql; a string is parsed here), refuses everything outside a positive allow-list, filters every tenant-scoped
 * table to `$1`, caps the outer LIMIT and deparses the result. Throws SqlGuardException with a reason the
 * model can act on.
 */
@Injectable()
export class SqlGuardService implements OnModuleInit {
  private loaded = false;

  constructor(private readonly config: AppConfig) {}

  /** The parser is WebAssembly and loads asynchronously, once per process. */
  async onModuleInit(): Promise<void> {
    await loadSqlParser();
    this.loaded = true;
  }

  check(sql: string | ParsedSql, ctx: GuardContext): GuardResult {
    return this.analyze(sql, ctx).result;
  }

  analyze(sql: string | ParsedSql, ctx: GuardContext): GuardAnalysis {
    if (!this.loaded) throw new Error('SqlGuardService used before onModuleInit() loaded the SQL parser');
    const rowLimit = ctx.rowLimit ?? this.config.sql.rowLimit;
    const shared = typeof sql !== 'string';
    const { stmt, version } = this.singleSelect(shared ? sql : parseSql(sql));
    // The analyzer rewrites in place; a tree passed in is shared (business rules read it), so rewrite a copy.
    const analysis = new QueryAnalyzer(ctx.catalog, rowLimit).analyze(shared ? structuredClone(stmt) : stmt);
    const tree: ParseResult = { version, stmts: [{ stmt: { SelectStmt: analysis.stmt } }] };
    return {
      result: {
        ok: true,
        sql: deparseSync(tree, { pretty: false }),
        tables: analysis.tables,
        params: analysis.usesTenantParam ? ['tenant'] : [],
        rowLimit: Math.min(rowLimit, this.limitOf(analysis.stmt) ?? rowLimit),
        limitImposed: analysis.limitImposed,
      },
      columnIssues: analysis.columnIssues,
    };
  }

  private singleSelect(parsed: ParsedSql): { stmt: SelectStmt; version?: number } {
    if (!parsed.ok) throw parsed.error;
    const tree = parsed.tree;
    const stmts = tree.stmts ?? [];
    if (stmts.length === 0) throw SqlGuardException.rejected('empty', 'The query is empty.');
    if (stmts.length > 1) {
      throw SqlGuardException.rejected(
        'multiple_statements',
        `Exactly one SELECT statement is allowed; found ${stmts.length} statements.`,
        { statements: stmts.length },
      );
    }
    const node: Node | undefined = stmts[0].stmt;
    if (!node || !('SelectStmt' in node)) {
      const kind = node ? (Object.keys(node)[0] ?? 'unknown') : 'unknown';
      throw SqlGuardException.rejected(
        'not_select',
        `Only a SELECT query is allowed: ${statementDescription(kind)}.`,
        { statement: kind },
      );
    }
    return { stmt: node.SelectStmt, version: tree.version };
  }

  private limitOf(stmt: SelectStmt): number | undefined {
    const limit = stmt.limitCount;
    if (limit && 'A_Const' in limit && limit.A_Const.ival) return limit.A_Const.ival.ival ?? 0;
    return undefined;
  }
}
