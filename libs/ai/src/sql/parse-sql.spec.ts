import { loadSqlParser, parseSql } from './parse-sql';
import { SqlGuardException } from './sql-guard.exception';

describe('parseSql', () => {
  beforeAll(() => loadSqlParser());

  it("returns PostgreSQL's parse tree with the text it was parsed from", () => {
    const parsed = parseSql('SELECT 1; SELECT 2');
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.sql).toBe('SELECT 1; SELECT 2');
    expect(parsed.tree.stmts?.map((s) => Object.keys(s.stmt ?? {})[0])).toEqual(['SelectStmt', 'SelectStmt']);
  });

  it.each([
    ['', 'empty'],
    ['  \n ', 'empty'],
    ['SELEC nonsense', 'syntax_error'],
    [`SELECT '${'x'.repeat(100_001)}'`, 'too_long'],
  ])('turns %j into a rejection instead of throwing', (sql, rule) => {
    const parsed = parseSql(sql);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error).toBeInstanceOf(SqlGuardException);
    expect(parsed.error.rule).toBe(rule);
  });
});
