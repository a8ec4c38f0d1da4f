import { ErrorCode } from '@app/common';
import { AppConfig } from '@app/config';
import { businessCatalog, type SqlCatalog } from './sql-catalog';
import { parseSql } from './parse-sql';
import { SqlGuardException, type SqlRejectRule } from './sql-guard.exception';
import { SqlGuardService } from './sql-guard.service';
import { unfilteredTenantReferences } from './testing/tenant-filter-invariant';

describe('SqlGuardService', () => {
  const catalog = businessCatalog();
  let guard: SqlGuardService;

  beforeAll(async () => {
    guard = new SqlGuardService(new AppConfig({ ...process.env, SQL_ROW_LIMIT: '1000' }));
    await guard.onModuleInit();
  });

  function rejection(sql: string, cat: SqlCatalog = catalog): SqlGuardException {
    try {
      guard.check(sql, { catalog: cat });
    } catch (err) {
      if (err instanceof SqlGuardException) return err;
      throw err;
    }
    throw new Error(`accepted: ${sql}`);
  }

  function accepted(sql: string) {
    const result = guard.check(sql, { catalog });
    expect(unfilteredTenantReferences(result.sql, catalog)).toEqual([]);
    return result;
  }

  describe('accepts read-only SELECTs and filters every tenant-scoped reference', () => {
    it.each([
      ['plain select', "SELECT title FROM work_items WHERE status = 'done'"],
      [
        'aggregate',
        'SELECT type, count(*), avg(story_points) FROM work_items GROUP BY type HAVING count(*) > 1',
      ],
      [
        'percentile within group',
        'SELECT percentile_cont(0.9) WITHIN GROUP (ORDER BY resolved_at - created_at) FROM work_items',
      ],
      [
        'window function',
        'SELECT assignee, rank() OVER (PARTITION BY project ORDER BY story_points DESC) FROM work_items',
      ],
      [
        'CASE, casts, date arithmetic',
        "SELECT CASE WHEN priority = 'high' THEN 1 ELSE 0 END, story_points::int, " +
          "date_trunc('week', created_at) + interval '1 day', EXTRACT(epoch FROM resolved_at - created_at) / 3600 " +
          "FROM work_items WHERE created_at > now() - interval '7 days' AND resolved_at::date >= current_date - 7",
      ],
      [
        'joins of every kind',
        'SELECT w.title, p.title FROM work_items w JOIN pull_requests p ON p.work_item_keys @> ARRAY[w.external_id] ' +
          'LEFT JOIN deployments d ON d.service = p.repository RIGHT JOIN work_items w2 ON w2.id = w.id ' +
          'FULL JOIN deployments d2 ON d2.version = w.title CROSS JOIN pull_requests p2',
      ],
      [
        'NATURAL and USING joins',
        'SELECT * FROM work_items NATURAL JOIN pull_requests JOIN deployments USING (id)',
      ],
      [
        'subqueries in every clause',
        'SELECT (SELECT count(*) FROM deployments), title FROM work_items w ' +
          'WHERE EXISTS (SELECT 1 FROM pull_requests p WHERE p.author = w.assignee) ' +
          'AND project IN (SELECT repository FROM pull_requests) ' +
          'GROUP BY title HAVING count(*) > (SELECT count(*) FROM deployments) ' +
          'ORDER BY (SELECT max(additions) FROM pull_requests)',
      ],
      [
        'CTEs, set operations and LATERAL',
        "WITH recent AS (SELECT * FROM work_items WHERE created_at > now() - interval '30 days') " +
          'SELECT r.title FROM recent r CROSS JOIN LATERAL (SELECT count(*) AS n FROM pull_requests p ' +
          'WHERE p.repository = r.project) x UNION SELECT title FROM pull_requests EXCEPT SELECT version FROM deployments',
      ],
      [
        'array and JSON functions',
        "SELECT unnest(labels), array_length(reviewers, 1), to_jsonb(title) ->> 'x' FROM work_items, pull_requests",
      ],
      ['VALUES and generate_series', 'SELECT * FROM (VALUES (1), (2)) v(n), generate_series(1, 3) g'],
    ])('%s', (_name, sql) => {
      const result = accepted(sql);
      expect(result.ok).toBe(true);
    });

    it('binds $1 to the tenant only when a tenant-scoped table is read, and lists the tables', () => {
      const withTenant = accepted(
        'SELECT count(*) FROM work_items w JOIN deployments d ON d.service = w.project',
      );
      expect(withTenant.params).toEqual(['tenant']);
      expect(withTenant.tables).toEqual(['deployments', 'work_items']);
      expect(withTenant.sql).toContain('w.tenant_id = $1');
      expect(withTenant.sql).toContain('public.work_items');

      const without = accepted('SELECT 1 + 1');
      expect(without.params).toEqual([]);
      expect(without.tables).toEqual([]);
    });

    it('puts the predicate where it filters the table, not the join: ON for the nullable side of an outer join', () => {
      const left = accepted(
        'SELECT * FROM work_items w LEFT JOIN pull_requests p ON p.repository = w.project',
      );
      expect(left.sql).toMatch(
        /ON p\.repository = w\.project AND p\.tenant_id = \$1 WHERE w\.tenant_id = \$1/,
      );
      const right = accepted(
        'SELECT * FROM work_items w RIGHT JOIN pull_requests p ON p.repository = w.project',
      );
      expect(right.sql).toMatch(
        /ON p\.repository = w\.project AND w\.tenant_id = \$1 WHERE p\.tenant_id = \$1/,
      );
    });

    it('wraps both sides of a FULL JOIN in filtered subselects under their original names', () => {
      const full = accepted(
        'SELECT * FROM work_items w FULL JOIN pull_requests p ON p.repository = w.project',
      );
      expect(full.sql).toContain(
        '( SELECT * FROM public.work_items WHERE work_items.tenant_id = $1 ) AS w FULL JOIN',
      );
      expect(full.sql).toContain(
        '( SELECT * FROM public.pull_requests WHERE pull_requests.tenant_id = $1 ) AS p ON',
      );
    });

    it('keeps an OR in the WHERE clause from escaping the tenant predicate', () => {
      const result = accepted("SELECT * FROM work_items WHERE status = 'done' OR true");
      expect(result.sql).toContain("WHERE (status = 'done' OR true) AND work_items.tenant_id = $1");
    });

    it('drops comments: a statement hidden in a comment never reaches the database', () => {
      const result = accepted(
        'SELECT title FROM work_items -- ; DROP TABLE work_items\n/* ; DELETE FROM work_items */',
      );
      expect(result.sql).not.toMatch(/DROP|DELETE|--|\/\*/);
    });
  });

  describe('CTE names that shadow tables', () => {
    it('treats a reference to a CTE as the CTE, and filters the real table inside it', () => {
      const result = accepted('WITH work_items AS (SELECT * FROM deployments) SELECT * FROM work_items');
      expect(result.tables).toEqual(['deployments']);
      expect(result.sql).toContain(
        'FROM public.deployments WHERE deployments.tenant_id = $1) SELECT * FROM work_items',
      );
    });

    it('filters the real table inside a non-recursive CTE of the same name (it cannot see itself)', () => {
      const result = accepted(
        'WITH work_items AS (SELECT * FROM work_items) SELECT count(*) FROM work_items',
      );
      expect(result.tables).toEqual(['work_items']);
      expect(result.sql).toContain('public.work_items');
    });

    it('filters the real table where the CTE is not in scope (outside its query, before its definition)', () => {
      const outside = accepted(
        'SELECT * FROM (WITH work_items AS (SELECT 1 AS n) SELECT * FROM work_items) a, work_items',
      );
      expect(outside.tables).toEqual(['work_items']);
      const earlier = accepted(
        'WITH a AS (SELECT * FROM work_items), work_items AS (SELECT 1 AS n) SELECT * FROM a, work_items',
      );
      expect(earlier.tables).toEqual(['work_items']);
    });

    it('resolves a recursive CTE to itself', () => {
      const result = accepted(
        'WITH RECURSIVE work_items AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM work_items WHERE n < 3) ' +
          'SELECT * FROM work_items',
      );
      expect(result.tables).toEqual([]);
    });
  });

  describe('LIMIT on the outermost query', () => {
    it('adds the configured limit when there is none, and after LIMIT ALL', () => {
      for (const sql of ['SELECT title FROM work_items', 'SELECT title FROM work_items LIMIT ALL']) {
        const r = accepted(sql);
        expect(r.sql).toMatch(/LIMIT 1000$/);
        expect(r.limitImposed).toBe(true);
        expect(r.rowLimit).toBe(1000);
      }
    });

    it('keeps a smaller limit and lowers a larger one', () => {
      const small = accepted('SELECT title FROM work_items ORDER BY created_at DESC LIMIT 5');
      expect(small.sql).toMatch(/LIMIT 5$/);
      expect(small.limitImposed).toBe(false);
      expect(small.rowLimit).toBe(5);
      const large = accepted('SELECT title FROM work_items LIMIT 50000');
      expect(large.sql).toMatch(/LIMIT 1000$/);
      expect(large.limitImposed).toBe(true);
    });

    it('caps a computed limit and a set operation, and honours a per-call row limit', () => {
      expect(accepted('SELECT title FROM work_items LIMIT (SELECT 5)').sql).toContain(
        'LIMIT LEAST((SELECT 5), 1000)',
      );
      expect(accepted('SELECT title FROM work_items UNION SELECT title FROM pull_requests').sql).toMatch(
        /UNION .* LIMIT 1000$/,
      );
      expect(guard.check('SELECT 1', { catalog, rowLimit: 10 }).sql).toBe('SELECT 1 LIMIT 10');
    });
  });

  describe('rejects with a reason the model can act on', () => {
    it.each<[string, string, SqlRejectRule, RegExp]>([
      ['INSERT', "INSERT INTO work_items (title) VALUES ('x')", 'not_select', /INSERT modifies data/],
      ['UPDATE', "UPDATE work_items SET title = 'x'", 'not_select', /UPDATE modifies data/],
      ['DELETE', 'DELETE FROM work_items', 'not_select', /DELETE modifies data/],
      [
        'MERGE',
        'MERGE INTO work_items w USING deployments d ON true WHEN MATCHED THEN DELETE',
        'not_select',
        /MERGE/,
      ],
      ['CREATE TABLE', 'CREATE TABLE x (a int)', 'not_select', /schema change/],
      ['DROP TABLE', 'DROP TABLE work_items', 'not_select', /schema change/],
      ['ALTER TABLE', 'ALTER TABLE work_items ADD COLUMN x int', 'not_select', /schema change/],
      ['TRUNCATE', 'TRUNCATE work_items', 'not_select', /TRUNCATE/],
      ['GRANT', 'GRANT ALL ON work_items TO public', 'not_select', /privileges/],
      ['COPY', "COPY work_items TO '/tmp/x'", 'not_select', /COPY/],
      ['COPY FROM PROGRAM', "COPY work_items FROM PROGRAM 'id'", 'not_select', /COPY/],
      ['transaction control', 'BEGIN', 'not_select', /transaction control/],
      ['SET', "SET app.tenant_id = 'x'", 'not_select', /SET changes session settings/],
      ['SET ROLE', 'SET ROLE postgres', 'not_select', /SET/],
      ['EXPLAIN ANALYZE', 'EXPLAIN ANALYZE SELECT 1', 'not_select', /EXPLAIN/],
      ['DO block', 'DO $$ BEGIN PERFORM 1; END $$', 'not_select', /DO runs code/],
      ['SELECT INTO', 'SELECT * INTO stolen FROM work_items', 'select_into', /INTO creates a table/],
      ['FOR UPDATE', 'SELECT * FROM work_items FOR UPDATE', 'locking_clause', /FOR UPDATE/],
      ['FOR SHARE', 'SELECT * FROM work_items FOR SHARE', 'locking_clause', /FOR UPDATE \/ FOR SHARE/],
      [
        'data-modifying CTE',
        'WITH gone AS (DELETE FROM work_items RETURNING *) SELECT * FROM gone',
        'data_modifying_cte',
        /must be a SELECT/,
      ],
      ['two statements', 'SELECT 1; SELECT 2', 'multiple_statements', /found 2 statements/],
      [
        'statement after a comment',
        'SELECT 1 /* harmless */; DROP TABLE work_items --',
        'multiple_statements',
        /one SELECT/,
      ],
      ['pg_sleep', 'SELECT pg_sleep(10)', 'function_not_allowed', /pg_sleep\(\) is not allowed/],
      [
        'qualified pg_sleep',
        'SELECT pg_catalog.pg_sleep(10)',
        'function_not_allowed',
        /pg_catalog\.pg_sleep/,
      ],
      ['pg_read_file', "SELECT pg_read_file('/etc/passwd')", 'function_not_allowed', /pg_read_file/],
      [
        'dblink',
        "SELECT * FROM dblink('host=x', 'select 1') AS t(a int)",
        'unsupported_construct',
        /Column definition/,
      ],
      [
        'dblink without coldefs',
        "SELECT dblink_exec('host=x', 'drop table x')",
        'function_not_allowed',
        /dblink_exec/,
      ],
      ['lo_import', "SELECT lo_import('/etc/passwd')", 'function_not_allowed', /lo_import/],
      [
        'set_config',
        "SELECT set_config('app.tenant_id', 'other', false)",
        'function_not_allowed',
        /set_config/,
      ],
      [
        'current_setting',
        "SELECT current_setting('app.tenant_id')",
        'function_not_allowed',
        /current_setting/,
      ],
      [
        'query_to_xml',
        "SELECT query_to_xml('select 1', true, true, '')",
        'function_not_allowed',
        /query_to_xml/,
      ],
      ['admin function', 'SELECT pg_terminate_backend(1)', 'function_not_allowed', /pg_terminate_backend/],
      ['version()', 'SELECT version()', 'function_not_allowed', /version/],
      ['nextval', "SELECT nextval('s')", 'function_not_allowed', /nextval/],
      [
        'function in a WHERE',
        'SELECT 1 FROM work_items WHERE pg_sleep(1) IS NULL',
        'function_not_allowed',
        /pg_sleep/,
      ],
      ['function in FROM', "SELECT * FROM pg_ls_dir('.')", 'function_not_allowed', /pg_ls_dir/],
      [
        'user-schema function',
        'SELECT public.lower(title) FROM work_items',
        'function_not_allowed',
        /public\.lower/,
      ],
      ['current_user', 'SELECT current_user', 'function_not_allowed', /current_user/],
      ['session_user', 'SELECT session_user', 'function_not_allowed', /session_user/],
      ['XML', "SELECT xmlparse(document '<a/>')", 'function_not_allowed', /XML/],
      ['regclass cast', "SELECT 'pg_authid'::regclass", 'type_not_allowed', /regclass/],
      ['oid cast', 'SELECT 1::oid', 'type_not_allowed', /oid/],
      ['pg_catalog table', 'SELECT * FROM pg_catalog.pg_class', 'system_schema', /system catalog/],
      ['unqualified catalog table', 'SELECT * FROM pg_shadow', 'system_schema', /not available/],
      ['information_schema', 'SELECT * FROM information_schema.tables', 'system_schema', /system catalog/],
      ['catalog in a subquery', 'SELECT (SELECT rolname FROM pg_roles LIMIT 1)', 'system_schema', /pg_roles/],
      ['other schema', 'SELECT * FROM audit.work_items', 'schema_not_allowed', /Schema "audit"/],
      ['other database', 'SELECT * FROM otherdb.public.work_items', 'schema_not_allowed', /cross-database/],
      [
        'table outside the allow-list',
        'SELECT * FROM tenants',
        'table_not_allowed',
        /deployments, pull_requests, work_items/,
      ],
      [
        'api keys in a join',
        'SELECT * FROM work_items JOIN api_keys ON true',
        'table_not_allowed',
        /api_keys/,
      ],
      ['parameter', 'SELECT * FROM work_items WHERE tenant_id = $1', 'parameter_not_allowed', /\$1/],
      [
        'TABLESAMPLE',
        'SELECT * FROM work_items TABLESAMPLE SYSTEM (10)',
        'unsupported_construct',
        /TABLESAMPLE/,
      ],
      ['operator schema', 'SELECT 1 OPERATOR(public.+) 2', 'operator_not_allowed', /public\.\+/],
      ['syntax error', 'SELEC title FROM work_items', 'syntax_error', /syntax error at or near "SELEC"/],
      ['empty', '   ', 'empty', /empty/],
      ['only a comment', '-- nothing', 'empty', /empty/],
      ['only a semicolon', ';', 'empty', /empty/],
    ])('%s', (_name, sql, rule, reason) => {
      const err = rejection(sql);
      expect(err.code).toBe(ErrorCode.SQL_REJECTED);
      expect(err.rule).toBe(rule);
      expect(err.reason).toMatch(reason);
      expect(err.details.stage).toBe('guard');
    });

    it('refuses absurdly long or deeply nested input before walking it', () => {
      expect(rejection(`SELECT ${'1 + '.repeat(40_000)}1`).rule).toBe('too_long');
      expect(rejection(`SELECT ${'1 + '.repeat(1_000)}1`).rule).toBe('too_deep');
      // Deeper still, PostgreSQL's own parser gives up first (stack depth), which is a rejection too.
      expect(rejection(`SELECT ${'1 + '.repeat(20_000)}1`).code).toBe(ErrorCode.SQL_REJECTED);
      const nested = 'SELECT 1 FROM work_items WHERE EXISTS ('.repeat(150) + 'SELECT 1' + ')'.repeat(150);
      expect(rejection(nested).rule).toBe('too_deep');
    });

    it('names the usable tables when the model invents one', () => {
      const err = rejection('SELECT * FROM issues');
      expect(err.reason).toBe(
        'Table "issues" is not available; the tables you can query are: deployments, pull_requests, work_items.',
      );
    });
  });

  describe('column references (reported for the validator)', () => {
    const issues = (sql: string) => guard.analyze(sql, { catalog }).columnIssues.map((i) => i.reason);

    it('reports a misspelt column with a suggestion, qualified or not', () => {
      expect(issues('SELECT titel FROM work_items')[0]).toMatch(
        /Column "titel" does not exist; did you mean "title"\?/,
      );
      expect(issues('SELECT w.titel FROM work_items w')[0]).toMatch(
        /Column "w.titel" does not exist; did you mean "w.title"\? "w" has columns: id, tenant_id/,
      );
      expect(issues('SELECT x.title FROM work_items w')[0]).toMatch(
        /"x" is not a table or alias in scope here \(in scope: w\)/,
      );
    });

    it('resolves aliases, CTE and subquery output columns, output names and correlated references', () => {
      expect(
        issues(
          'WITH c(p, n) AS (SELECT project, count(*) FROM work_items GROUP BY project) ' +
            'SELECT c.p, c.n AS total, s.cnt FROM c, (SELECT count(*) AS cnt FROM deployments) s ' +
            'WHERE EXISTS (SELECT 1 FROM pull_requests pr WHERE pr.repository = c.p) ORDER BY total',
        ),
      ).toEqual([]);
      expect(issues('SELECT d FROM deployments d')).toEqual([]);
      expect(issues('SELECT u FROM work_items, unnest(labels) u')).toEqual([]);
      expect(issues('SELECT c.nope FROM (SELECT 1 AS a) c')[0]).toMatch(/"c" has columns: a/);
      expect(issues('WITH c AS (SELECT project FROM work_items) SELECT title FROM c')[0]).toMatch(
        /Column "title" does not exist/,
      );
    });
  });

  it('takes SQL already parsed, rewrites a copy and gives the same result as for the text', () => {
    const sql =
      "SELECT w.title FROM work_items w JOIN pull_requests p ON p.title = w.title WHERE w.status = 'done'";
    const parsed = parseSql(sql);
    const before = JSON.stringify(parsed);
    expect(guard.check(parsed, { catalog })).toEqual(guard.check(sql, { catalog }));
    expect(JSON.stringify(parsed)).toBe(before);
    const unparsable = parseSql('SELEC 1');
    expect(() => guard.check(unparsable, { catalog })).toThrow(SqlGuardException);
  });

  it('refuses to run before the parser is loaded', () => {
    const cold = new SqlGuardService(new AppConfig(process.env));
    expect(() => cold.check('SELECT 1', { catalog })).toThrow(/before onModuleInit/);
  });
});
