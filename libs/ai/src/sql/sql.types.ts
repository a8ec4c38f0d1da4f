import type { SqlCatalog } from './sql-catalog';

/** What a positional parameter of guarded SQL is bound to; `$1` is always the caller's tenant id. */
export type SqlParam = 'tenant';

/** SQL ready to run: one SELECT, tenant-filtered, with a capped LIMIT. */
export interface GuardResult {
  ok: true;
  /** The rewritten query. */
  sql: string;
  /** Catalog tables the query reads. */
  tables: string[];
  /** Binding of `$1..$n`, in order; empty when the query reads no tenant-scoped table. */
  params: SqlParam[];
  /** The LIMIT applied to the outermost query. */
  rowLimit: number;
  /** True when the guard added or lowered the LIMIT, so a full page may mean more rows exist. */
  limitImposed: boolean;
}

export interface GuardContext {
  catalog: SqlCatalog;
  /** Default: AppConfig.sql.rowLimit. */
  rowLimit?: number;
}

/** Query output with JSON-safe values, rows in `columns` order. */
export interface SqlResult {
  columns: string[];
  rows: unknown[][];
  rowCount: number;
  /** True when more rows may exist than were returned (row cap or imposed LIMIT reached). */
  truncated: boolean;
}

export interface ExecuteOptions {
  tenantId: string;
  /** Default: AppConfig.sql.statementTimeoutMs. */
  timeoutMs?: number;
  /** Hard cap on fetched rows; default AppConfig.sql.rowLimit. */
  maxRows?: number;
}

/** SQL the executor accepts: a GuardResult, or hand-written SQL (tests, internal tools). */
export interface SqlStatement {
  sql: string;
  params: readonly SqlParam[];
  limitImposed?: boolean;
  rowLimit?: number;
}

export interface ExplainResult {
  totalCost: number;
  plan: unknown;
}
