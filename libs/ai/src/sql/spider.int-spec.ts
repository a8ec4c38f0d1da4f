import { Client } from 'pg';
import { deparseSync, parseSync } from 'pgsql-parser';
import { AppConfig } from '@app/config';
import { PgPoolService } from '@app/database';
import { JSON_SAFE_TYPES, SESSION_SETTINGS } from './json-safe';
import { SqlExecutorService } from './sql-executor.service';
import { SqlGuardService } from './sql-guard.service';
import { SqlValidatorService } from './sql-validator.service';
import { ScratchDatabase } from './testing/scratch-database';
import {
  SPIDER_TENANTS,
  loadSpider,
  spiderQueriesThatRun,
  type SpiderQuery,
  type SpiderSchema,
} from './testing/spider-corpus';
import { unfilteredTenantReferences } from './testing/tenant-filter-invariant';

/** Row identity for multiset comparison; floats are rounded because plans may sum in another order. */
function rowKey(row: unknown[]): string {
  return JSON.stringify(row.map((v) => (typeof v === 'number' ? Number(v.toPrecision(10)) : v)));
}

function multiset(rows: unknown[][]): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of rows) m.set(rowKey(r), (m.get(rowKey(r)) ?? 0) + 1);
  return m;
}

function sameMultiset(a: unknown[][], b: unknown[][]): boolean {
  if (a.length !== b.length) return false;
  const mb = multiset(b);
  for (const [k, n] of multiset(a)) if (mb.get(k) !== n) return false;
  return true;
}

function subMultiset(a: unknown[][], b: unknown[][]): boolean {
  const mb = multiset(b);
  for (const [k, n] of multiset(a)) if ((mb.get(k) ?? 0) < n) return false;
  return true;
}

/** True when a subquery (not the outer query) has a LIMIT: with ties its result is not determined. */
function hasInnerLimit(sql: string): boolean {
  let limits = 0;
  JSON.stringify(parseSync(sql), (key, v: unknown) => {
    if (key === 'limitCount') limits++;
    return v;
  });
  const top = parseSync(sql).stmts?.[0]?.stmt;
  const outer = top && 'SelectStmt' in top && top.SelectStmt.limitCount ? 1 : 0;
  return limits > outer;
}

/** The query without its outer LIMIT/OFFSET, to judge ORDER BY ... LIMIT ties. */
function withoutOuterLimit(sql: string): string | undefined {
  const tree = parseSync(sql);
  const node = tree.stmts?.[0]?.stmt;
  if (!node || !('SelectStmt' in node) || !node.SelectStmt.limitCount) return undefined;
  delete node.SelectStmt.limitCount;
  delete node.SelectStmt.limitOffset;
  node.SelectStmt.limitOption = 'LIMIT_OPTION_DEFAULT';
  return deparseSync(tree);
}

describe('SQL guard over the Spider dev set (real PostgreSQL dumps)', () => {
  const queries: SpiderQuery[] = spiderQueriesThatRun();
  let scratch: ScratchDatabase;
  let owner: Client;
  let pool: PgPoolService;
  let guard: SqlGuardService;
  let validator: SqlValidatorService;
  let executor: SqlExecutorService;
  let schemas: Map<string, SpiderSchema>;

  beforeAll(async () => {
    scratch = await ScratchDatabase.create('pulse_spider');
    owner = new Client({ connectionString: scratch.url });
    await owner.connect();
    // Large enough that no gold query is cut by the LIMIT the guard imposes (LIMIT is covered by unit tests).
    const config = new AppConfig({ ...process.env, DATABASE_URL: scratch.url, SQL_ROW_LIMIT: '100000' });
    schemas = await loadSpider(scratch, owner, config.database.readerRole, queries);
    for (const [name, value] of Object.entries(SESSION_SETTINGS)) {
      await owner.query('SELECT set_config($1, $2, false)', [name, value]);
    }
    await owner.query(`SET statement_timeout = 10000`);
    pool = new PgPoolService(config);
    guard = new SqlGuardService(config);
    await guard.onModuleInit();
    executor = new SqlExecutorService(config, pool);
    validator = new SqlValidatorService(config, guard, executor);
  }, 120_000);

  afterAll(async () => {
    await pool?.onModuleDestroy();
    await owner?.end();
    await scratch?.drop();
  });

  const schemaOf = (q: SpiderQuery): SpiderSchema => {
    const s = schemas.get(q.dbId.toLowerCase());
    if (!s) throw new Error(`no schema loaded for ${q.dbId}`);
    return s;
  };

  it('accepts every gold query that PostgreSQL runs: guard, column check and EXPLAIN', async () => {
    expect(queries).toHaveLength(746);
    const rejected: { sql: string; reason: string }[] = [];
    const unfiltered: { sql: string; problems: string[] }[] = [];
    let tenantScoped = 0;
    for (const q of queries) {
      const { catalog } = schemaOf(q);
      try {
        const result = await validator.validate(q.sql, { catalog, tenantId: SPIDER_TENANTS[0] });
        if (result.params.length) tenantScoped++;
        const problems = unfilteredTenantReferences(result.sql, catalog);
        if (problems.length) unfiltered.push({ sql: q.sql, problems });
      } catch (err) {
        rejected.push({ sql: q.sql, reason: (err as Error).message });
      }
    }
    console.log(
      `Spider: ${queries.length} gold queries that run on PostgreSQL; accepted ${queries.length - rejected.length}, ` +
        `rejected ${rejected.length}; ${tenantScoped} read a tenant-scoped table and were rewritten`,
    );
    expect(rejected).toEqual([]);
    expect(unfiltered).toEqual([]);
    expect(tenantScoped).toBeGreaterThan(400);
  });

  it("runs every rewritten query as the reader role and returns exactly the tenant's slice of the data", async () => {
    let runs = 0;
    let identical = 0;
    let tiesAtLimit = 0;
    let subsetOfUnfiltered = 0;
    const ambiguous = new Set<string>();
    let nonEmpty = 0;
    const mismatches: { sql: string; tenant: string; got: number; expected: number }[] = [];
    for (const q of queries) {
      const schema = schemaOf(q);
      const guarded = guard.check(q.sql, { catalog: schema.catalog });
      await owner.query(`SET search_path TO "${schema.schema}"`);
      const unfiltered = await owner.query<unknown[]>({
        text: q.sql,
        rowMode: 'array',
        types: JSON_SAFE_TYPES,
      });
      for (const tenant of SPIDER_TENANTS) {
        const got = await executor.execute(guarded, { tenantId: tenant });
        runs++;
        if (got.rowCount > 0) nonEmpty++;
        if (subMultiset(got.rows, unfiltered.rows)) subsetOfUnfiltered++;
        // Oracle: the original query over views that hold only this tenant's rows.
        await owner.query(`SET search_path TO "${schema.sliceSchema(tenant)}"`);
        const expected = await owner.query<unknown[]>({
          text: q.sql,
          rowMode: 'array',
          types: JSON_SAFE_TYPES,
        });
        if (sameMultiset(got.rows, expected.rows)) {
          identical++;
          continue;
        }
        // ORDER BY ... LIMIT n may pick any of several tied rows; then the rows must be a valid pick.
        const unlimited = withoutOuterLimit(q.sql);
        if (unlimited) {
          const all = await owner.query<unknown[]>({
            text: unlimited,
            rowMode: 'array',
            types: JSON_SAFE_TYPES,
          });
          if (got.rowCount === expected.rowCount && subMultiset(got.rows, all.rows)) {
            tiesAtLimit++;
            continue;
          }
        }
        // A subquery's ORDER BY ... LIMIT 1 over tied rows may pick a different row on different data.
        if (hasInnerLimit(q.sql)) {
          ambiguous.add(q.sql);
          continue;
        }
        mismatches.push({ sql: q.sql, tenant, got: got.rowCount, expected: expected.rowCount ?? 0 });
      }
    }
    console.log(
      `Spider rewrite: ${runs} executions (${queries.length} queries x ${SPIDER_TENANTS.length} tenants) as the reader role; ` +
        `${identical} identical to the original over the tenant's slice, ${tiesAtLimit} equal up to ORDER BY/LIMIT ties, ` +
        `${ambiguous.size} distinct queries differ only through a subquery's LIMIT over ties, ` +
        `${mismatches.length} mismatches; ${subsetOfUnfiltered} returned a subset of the unfiltered original's rows ` +
        `(aggregates such as count(*) legitimately differ); ${nonEmpty} non-empty`,
    );
    expect(mismatches).toEqual([]);
    expect(ambiguous.size).toBeLessThanOrEqual(3);
    expect(runs).toBe(queries.length * SPIDER_TENANTS.length);
  });
});
