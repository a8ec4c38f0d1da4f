import { AppConfig } from '@app/config';
import { PgPoolService } from '@app/database';
import { KnownValuesRepository } from '../agent/known-values.repository';
import { KnownValuesService } from '../agent/known-values.service';
import { SqlGuardService } from '../sql';
import type { PlanOptions } from './query-plan.types';
import { SemanticModelService } from './semantic-model.service';
import { QuestionPlannerService } from './question-planner.service';
import { SemanticSqlCompilerService } from './semantic-sql-compiler.service';
import {
  ANALYTICS_QUESTIONS,
  compareRows,
  leadTimes,
  normalizeCell,
  tenantData,
  W,
  within,
  isOpen,
  type Cell,
  type ExpectedAnswer,
  type TenantData,
} from './testing/analytics-questions';
import { WORK_ITEM_QUESTIONS } from './testing/work-item-questions';
import {
  createAnalyticsFixture,
  deleteAnalyticsFixture,
  insertAnalyticsFixture,
  type AnalyticsFixture,
} from './testing/fixtures';

function expectRows(actual: Cell[][], expected: ExpectedAnswer): void {
  const cmp = compareRows(actual, expected);
  // Shown in full on failure: the whole answer next to the independently computed one.
  if (!cmp.equal) expect({ rows: cmp.actual }).toEqual({ rows: cmp.expected });
}

describe('semantic layer answers analytics questions on PostgreSQL', () => {
  const config = new AppConfig();
  const models = new SemanticModelService(config);
  const planner = new QuestionPlannerService(models, config);
  const compiler = new SemanticSqlCompilerService(models);
  const db = new PgPoolService(config);
  const guard = new SqlGuardService(config);
  // The tenant's own names, read from the database as on the query path, so "payments-api" or "bob" are matched.
  const known = new KnownValuesService(new KnownValuesRepository(db, models));
  let fx: AnalyticsFixture;
  let tenantA: TenantData;
  let tenantB: TenantData;

  beforeAll(async () => {
    await guard.onModuleInit();
    fx = createAnalyticsFixture({ seed: 7, tenants: 2, slugPrefix: `sem-${Date.now()}` });
    await insertAnalyticsFixture(db.pool, fx);
    tenantA = tenantData(fx, fx.tenants[0].id);
    tenantB = tenantData(fx, fx.tenants[1].id);
  });

  afterAll(async () => {
    if (fx) await deleteAnalyticsFixture(db.pool, fx);
    await db.onModuleDestroy();
  });

  async function run(sql: string, params: string[]) {
    const result = await db.pool.query({ text: sql, values: params, rowMode: 'array' });
    return {
      columns: result.fields.map((f) => f.name),
      rows: (result.rows as unknown[][]).map((r) => r.map(normalizeCell)),
    };
  }

  async function ask(question: string, tenantId: string, opts: PlanOptions = {}) {
    const knownValues = await known.get(tenantId);
    const plan = await planner.plan(question, { now: fx.now, knownValues, ...opts });
    const compiled = compiler.compile(plan, tenantId);
    return { plan, compiled, ...(await run(compiled.sql, compiled.params)) };
  }

  it('has at least 30 distinct questions', () => {
    expect(new Set(ANALYTICS_QUESTIONS.map((c) => c.q.toLowerCase())).size).toBeGreaterThanOrEqual(30);
  });

  it.each([...ANALYTICS_QUESTIONS, ...WORK_ITEM_QUESTIONS].map((c) => [c.q, c] as const))(
    '%s',
    async (_q, c) => {
      const expected = c.expect(tenantA);
      const answer = await ask(c.q, fx.tenants[0].id, c.opts);
      expect(answer.plan.answerable).toBe(true);
      expect(answer.columns).toEqual(expected.columns);
      expect(answer.compiled.columns).toEqual(expected.columns);
      expectRows(answer.rows, expected);

      // The production path: the guard adds the tenant filters itself and must not change the answer.
      const guarded = guard.analyze(answer.compiled.guardSql, { catalog: models.catalog });
      expect(guarded.columnIssues).toEqual([]);
      expect(guarded.result.params).toEqual(['tenant']);
      const viaGuard = await run(guarded.result.sql, [fx.tenants[0].id]);
      expect(viaGuard.columns).toEqual(expected.columns);
      expectRows(viaGuard.rows, expected);
    },
  );

  it('describes only columns the database has', async () => {
    for (const [table, { columns, tenantColumn }] of Object.entries(models.catalog.tables)) {
      const res = await db.pool.query<{ column_name: string }>(
        'SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1',
        [table],
      );
      const actual = res.rows.map((r) => r.column_name);
      expect(actual.length).toBeGreaterThan(0);
      expect(actual).toEqual(expect.arrayContaining(columns));
      expect(columns).toContain(tenantColumn);
    }
  });

  it('answers the second tenant from its own rows only, every question', async () => {
    // Both tenants have alice, bob, payments-api and the keys PAY-1, PAY-2, ...: a missing tenant predicate or
    // a join across tenants changes these numbers.
    for (const c of ANALYTICS_QUESTIONS) {
      const expected = c.expect(tenantB);
      const answer = await ask(c.q, fx.tenants[1].id, c.opts);
      const cmp = compareRows(answer.rows, expected);
      if (!cmp.equal) expect({ q: c.q, rows: cmp.actual }).toEqual({ q: c.q, rows: cmp.expected });
    }
    const lead = await ask('Lead time for changes', fx.tenants[1].id);
    expect(lead.compiled.sql).toMatch(/pr\.tenant_id = \$1/);
    expect(lead.compiled.sql).toMatch(/wi\.tenant_id = \$1/);
  });

  it('the fixture makes the interesting answers non-trivial', () => {
    // Guards the cases above against passing on empty data.
    const a = tenantA;
    expect(
      a.wi.filter((w) => w.type === 'bug' && w.status === 'done' && within(w.resolvedAt, W.lastWeek)).length,
    ).toBeGreaterThan(1);
    expect(leadTimes(a, () => true).length).toBeGreaterThan(50);
    expect(
      a.dep.filter((x) => x.environment === 'production' && within(x.startedAt, W.last30Days)).length,
    ).toBeGreaterThan(5);
    expect(a.wi.filter((w) => w.type === 'incident' && isOpen(w)).length).toBeGreaterThan(2);
    const crossTenantPairs = a.pr
      .flatMap((p) => p.workItemKeys)
      .filter((k) => tenantB.wi.some((w) => w.externalId === k));
    expect(crossTenantPairs.length).toBeGreaterThan(10);
  });
});
