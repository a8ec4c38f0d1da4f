import type { ParseResult } from 'libpg-query';
import { loadModule, parseSync } from 'pgsql-parser';
import { SqlGuardException } from './sql-guard.exception';

/** Longer SQL is refused before it reaches the parser. */
export const MAX_SQL_LENGTH = 100_000;

/**
 * SQL parsed once by PostgreSQL's own parser, shared by everything that checks it (business rules, the
 * analyzer, the guard). The tree is read-only for its consumers: the guard rewrites a copy.
 */
export type ParsedSql =
  | { readonly ok: true; readonly sql: string; readonly tree: ParseResult }
  | { readonly ok: false; readonly sql: string; readonly error: SqlGuardException };

let loaded = false;

/** The parser is WebAssembly and loads asynchronously, once per process. */
export async function loadSqlParser(): Promise<void> {
  await loadModule();
  loaded = true;
}

/**
 * Parses SQL with PostgreSQL's parser. Never throws for bad SQL: a text that is too long, empty or not SQL
 * comes back as a rejection the guard reports. Throws when the parser was not loaded, which is no verdict.
 */
export function parseSql(sql: string): ParsedSql {
  if (!loaded) throw new Error('parseSql() used before loadSqlParser() loaded the SQL parser');
  if (sql.length > MAX_SQL_LENGTH) {
    const error = SqlGuardException.rejected(
      'too_long',
      `The query is longer than ${MAX_SQL_LENGTH} characters.`,
    );
    return { ok: false, sql, error };
  }
  if (!sql.trim())
    return { ok: false, sql, error: SqlGuardException.rejected('empty', 'The query is empty.') };
  try {
    return { ok: true, sql, tree: parseSync(sql) as ParseResult };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const error = SqlGuardException.rejected(
      'syntax_error',
      `PostgreSQL cannot parse the query: ${message}.`,
      {
        parserMessage: message,
      },
    );
    return { ok: false, sql, error };
  }
}
