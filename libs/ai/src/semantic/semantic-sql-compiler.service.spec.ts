import { loadModule, parseSync } from 'pgsql-parser';
import { ErrorCode } from '@app/common';
import { AppConfig } from '@app/config';
import { SemanticModelService } from './semantic-model.service';
import { QuestionPlannerService } from './question-planner.service';
import { SemanticSqlCompilerService } from './semantic-sql-compiler.service';
import { SqlGuardService } from '../sql';
import { businessCatalog } from '../sql/sql-catalog';

const ENV = {
  DATABASE_URL: 'postgresql://root@127.0.0.1:5432/x',
  ADMIN_TOKEN: 'a'.repeat(20),
  INTEGRATION_SECRET_KEY: 'ab'.repeat(32),
};
const NOW = new Date('2026-11-25T15:30:00.000Z');
const TENANT = '11111111-1111-4111-8111-111111111111';
const config = new AppConfig(ENV);
const models = new SemanticModelService(config);
const planner = new QuestionPlannerService(models, config);
const compiler = new SemanticSqlCompilerService(models);
// The tenant's own names, as the query path passes them.
const knownValues = { repository: ['payments-api'] };
const compile = async (q: string) =>
  compiler.compile(await planner.plan(q, { now: NOW, knownValues }), TENANT);

const QUESTIONS = [
  'How many bugs were resolved last week?',
  'open incidents by priority',
  'p90 cycle time by project this month',
  'throughput per week',
  'merged PRs by author since March',
  'change failure rate per month in production this year',
  'lead time for changes by project',
  'top 5 assignees by bugs closed',
  'bugs by label',
  'median time to merge in payments-api',
  'number of PRs per repo per month',
  'mean time to restore by service',
  'average age of work in progress',
];

describe('SemanticSqlCompilerService', () => {
  beforeAll(async () => {
    await loadModule();
  });

  it.each(QUESTIONS)('"%s" compiles to one SELECT in both forms', async (q) => {
    const c = await compile(q);
    for (const sql of [c.sql, c.guardSql]) {
      const stmts = parseSync(sql).stmts ?? [];
      expect(stmts).toHaveLength(1);
      expect(Object.keys(stmts[0].stmt ?? {})).toEqual(['SelectStmt']);
    }
    expect(c.params[0]).toBe(TENANT);
    expect(c.guardSql).not.toMatch(/\$\d/);
  });

  it('filters every table it reads by $1, including the joined one', async () => {
    const c = await compile('lead time for changes by project');
    expect(c.tables).toEqual(['pull_requests', 'work_items']);
    expect(c.sql).toContain('pr.tenant_id = $1');
    expect(c.sql).toContain('wi.tenant_id = $1');
    expect(c.sql).toContain('wi.tenant_id = pr.tenant_id');
    expect(c.columns).toEqual(['project', 'median_lead_time_hours']);
  });

  it('never inlines free text in the bound form and escapes it in the guard form', async () => {
    const hostile = `x'); DROP TABLE work_items; --`;
    const c = await compile(`bugs in project "${hostile}"`);
    expect(c.params).toEqual([TENANT, hostile]);
    expect(c.sql).not.toContain('DROP');
    expect(c.sql).toContain('lower(project) = lower($2)');
    const stmts = parseSync(c.guardSql).stmts ?? [];
    expect(stmts).toHaveLength(1);
    expect(c.guardSql).toContain(`'x''); DROP TABLE work_items; --'`);
  });

  it('writes windows as half-open UTC ranges and names duration units in the alias', async () => {
    const c = await compile('median cycle time for bugs last week');
    expect(c.sql).toContain("resolved_at >= '2026-11-16T00:00:00.000Z'::timestamptz");
    expect(c.sql).toContain("resolved_at < '2026-11-23T00:00:00.000Z'::timestamptz");
    expect(c.sql).toContain('/ 3600');
    expect(c.columns).toEqual(['median_cycle_time_hours']);
    expect((await compile('average deployment duration')).columns).toEqual([
      'avg_deployment_duration_minutes',
    ]);
  });

  it('reads time to restore from the next successful deployment of the same service, for the tenant only', async () => {
    const c = await compile('median time to restore by service');
    expect(c.sql).toContain(
      'JOIN LATERAL (SELECT dn.finished_at FROM deployments dn WHERE dn.tenant_id = $1',
    );
    expect(c.sql).toContain(
      "dn.service = d.service AND dn.environment = d.environment AND dn.status = 'success'",
    );
    expect(c.sql).toContain(
      'dn.started_at > d.started_at ORDER BY dn.started_at ASC LIMIT 1) AS d_next ON true',
    );
    expect(c.sql).toContain('extract(epoch FROM (d_next.finished_at - d.started_at)) / 3600');
    expect(c.sql).toContain("d.status IN ('failed', 'rolled_back')");
    expect(c.columns).toEqual(['service', 'median_time_to_restore_hours']);
    // The guard accepts it and filters both reads of the table by the tenant itself.
    const guard = new SqlGuardService(config);
    await guard.onModuleInit();
    const checked = guard.check(c.guardSql, { catalog: businessCatalog() });
    expect(checked.sql.match(/\b(dn|d)\.tenant_id = \$1/g)?.sort()).toEqual([
      'd.tenant_id = $1',
      'dn.tenant_id = $1',
    ]);
  });

  it("measures an age up to the question's reference time, not the database clock", async () => {
    const c = await compile('average age of work in progress');
    expect(c.sql).toContain(
      "extract(epoch FROM ('2026-11-25T15:30:00.000Z'::timestamptz - created_at)) / 86400",
    );
    expect(c.sql).not.toMatch(/now\(\)/i);
    expect(c.columns).toEqual(['avg_aging_wip_days']);
  });

  it('ranks records by a measure of each record, shows its value, and compares numeric fields as numbers', async () => {
    const top = await compile('the 5 largest pull requests merged last month');
    expect(top.sql).toContain('(additions + deletions) AS pr_size_lines');
    expect(top.sql).toMatch(/ORDER BY pr_size_lines DESC NULLS LAST, external_id ASC LIMIT 5$/);
    expect(top.columns).toEqual([
      'id',
      'title',
      'repository',
      'author',
      'state',
      'created_at',
      'merged_at',
      'closed_at',
      'pr_size_lines',
    ]);
    const points = await compile('bugs with more than 8 story points');
    expect(points.sql).toContain('story_points > 8');
    expect(points.sql).not.toContain("'8'");
  });

  it('refuses a plan with nothing to compute', async () => {
    const p = await planner.plan("what's the weather", { now: NOW });
    expect(() => compiler.compile(p, TENANT)).toThrow(
      expect.objectContaining({ code: ErrorCode.CANNOT_ANSWER }),
    );
  });
});
