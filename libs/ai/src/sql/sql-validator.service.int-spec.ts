import { ErrorCode } from '@app/common';
import { businessCatalog } from './sql-catalog';
import { SqlGuardException } from './sql-guard.exception';
import { createSqlTestKit, type SqlTestKit } from './testing/sql-test-kit';
import { createTwoTenants, type TwoTenants } from './testing/tenant-fixtures';

describe('SqlValidatorService (guard + column check + EXPLAIN)', () => {
  const catalog = businessCatalog();
  let kit: SqlTestKit;
  let tenants: TwoTenants;

  beforeAll(async () => {
    kit = await createSqlTestKit();
    tenants = await createTwoTenants(kit.pg.pool, 2);
  });

  afterAll(async () => {
    await tenants?.cleanup();
    await kit?.close();
  });

  async function rejection(sql: string, maxCost?: number): Promise<SqlGuardException> {
    try {
      await kit.validator.validate(sql, { catalog, tenantId: tenants.a.id, maxCost });
    } catch (err) {
      if (err instanceof SqlGuardException) return err;
      throw err;
    }
    throw new Error(`accepted: ${sql}`);
  }

  it('accepts a valid query and reports its plan and estimated cost', async () => {
    const result = await kit.validator.validate(
      "SELECT project, count(*) FROM work_items WHERE status = 'done' GROUP BY project",
      { catalog, tenantId: tenants.a.id },
    );
    expect(result.ok).toBe(true);
    expect(result.estimatedCost).toBeGreaterThan(0);
    expect(JSON.stringify(result.plan)).toContain('"Relation Name":"work_items"');
  });

  it('rejects a column the catalog does not have, naming the real ones', async () => {
    const err = await rejection('SELECT w.resolution_date FROM work_items w');
    expect(err.code).toBe(ErrorCode.SQL_REJECTED);
    expect(err.rule).toBe('unknown_column');
    expect(err.details.stage).toBe('validate');
    expect(err.reason).toMatch(/Column "w.resolution_date" does not exist.*"w" has columns: .*resolved_at/);
  });

  it("rejects what PostgreSQL cannot plan, with PostgreSQL's reason", async () => {
    const err = await rejection('SELECT title FROM work_items WHERE created_at > 42');
    expect(err.rule).toBe('explain_failed');
    expect(err.reason).toMatch(
      /PostgreSQL cannot plan the query: operator does not exist: timestamp with time zone > integer/,
    );
  });

  it('rejects a query whose estimated cost is above the bound, saying how to fix it', async () => {
    const err = await rejection(
      'SELECT count(*) FROM work_items a, pull_requests b, deployments c, work_items d',
      10,
    );
    expect(err.rule).toBe('cost_too_high');
    expect(err.reason).toMatch(/estimated cost \d+ > limit 10.*Add filters/);
    expect(err.details.estimatedCost).toBeGreaterThan(10);
  });

  it('never sends SQL the guard refused to the database', async () => {
    const err = await rejection('SELECT pg_sleep(30)');
    expect(err.rule).toBe('function_not_allowed');
    expect(err.details.stage).toBe('guard');
  });
});
