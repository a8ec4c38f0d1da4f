import { AppConfig } from '@app/config';
import { SemanticModelService, QuestionPlannerService, SemanticSqlCompilerService } from '../semantic';
import type { QueryState } from '../agent/query-state';
import { answerColumns, stateAnswerColumns, type AnswerColumn } from './answer.mapper';

const config = new AppConfig({
  DATABASE_URL: 'postgresql://root@127.0.0.1:5432/x',
  ADMIN_TOKEN: 'a'.repeat(20),
  INTEGRATION_SECRET_KEY: 'ab'.repeat(32),
});
const models = new SemanticModelService(config);
const planner = new QuestionPlannerService(models, config);
const compiler = new SemanticSqlCompilerService(models);
const NOW = new Date('2026-11-25T15:30:00.000Z');

/** The columns the compiled SQL returns for a question, with their meanings. */
async function columnsOf(question: string): Promise<{ names: string[]; info: AnswerColumn[] | undefined }> {
  const plan = await planner.plan(question, { now: NOW });
  expect({ question, answerable: plan.answerable }).toEqual({ question, answerable: true });
  const { columns } = compiler.compile(plan, 'tenant');
  return { names: columns, info: answerColumns(plan, models.model, columns) };
}

const pick = (info: AnswerColumn[] | undefined) =>
  info?.map(({ label, unit, role }) => ({ label, unit, role }));

describe('answerColumns', () => {
  it('labels a count per dimension with the dimension and a counted noun', async () => {
    const { names, info } = await columnsOf('Open incidents by priority');
    expect(info?.map((c) => c.name)).toEqual(names);
    expect(pick(info)).toEqual([
      { label: 'Priority', unit: null, role: 'dimension' },
      { label: expect.stringMatching(/^[A-Z][a-z ]+$/), unit: 'count', role: 'measure' },
    ]);
  });

  it('labels time buckets with their grain and the time column, durations with their unit', async () => {
    const { info } = await columnsOf('Median cycle time per month');
    expect(pick(info)).toEqual([
      { label: 'Month (resolved)', unit: 'month', role: 'time' },
      { label: 'Median cycle time', unit: 'hours', role: 'measure' },
    ]);
  });

  it('marks a rate as a ratio and its parts as counts', async () => {
    const { info } = await columnsOf('Change failure rate per week');
    expect(info?.map((c) => [c.role, c.unit])).toEqual([
      ['time', 'week'],
      ['measure', 'ratio'],
      ['measure', 'count'],
      ['measure', 'count'],
    ]);
    expect(info?.[1].label).toMatch(/^Change failure rate/);
  });

  it('labels listed records by their fields', async () => {
    const { names, info } = await columnsOf('list open bugs');
    expect(info?.map((c) => c.name)).toEqual(names);
    expect(info?.[0]).toEqual({ name: 'id', label: 'ID', unit: null, role: 'dimension' });
  });

  it('gives nothing rather than a wrong label when a column is not the plan’s', async () => {
    const plan = await planner.plan('Open incidents by priority', { now: NOW });
    expect(answerColumns(plan, models.model, ['priority', 'something_else'])).toBeUndefined();
  });

  it('describes semantic SQL only: a model’s SQL gets none, a cached answer keeps its own', async () => {
    const plan = await planner.plan('Open incidents by priority', { now: NOW });
    const { columns } = compiler.compile(plan, 'tenant');
    const result = { columns, rows: [], rowCount: 0, truncated: false, elapsedMs: 1 };
    const state = (over: Partial<QueryState>) =>
      ({ plan, hit: null, candidate: null, result, ...over }) as unknown as QueryState;

    const semantic = stateAnswerColumns(state({ candidate: { source: 'semantic', sql: 'x' } }), models.model);
    expect(semantic?.map((c) => c.label)).toEqual(['Priority', 'Open incidents']);
    expect(
      stateAnswerColumns(state({ candidate: { source: 'llm', sql: 'x' } }), models.model),
    ).toBeUndefined();
    const kept = columns.map((name) => ({
      name,
      label: `Kept ${name}`,
      unit: null,
      role: 'dimension' as const,
    }));
    const hit = { entry: { columns, columnInfo: kept } } as unknown as QueryState['hit'];
    expect(stateAnswerColumns(state({ hit, candidate: { source: 'cache', sql: 'x' } }), models.model)).toBe(
      kept,
    );
    // Kept meanings that no longer match the rows' columns are dropped, not misapplied.
    const renamed = { ...result, columns: ['other', ...columns.slice(1)] };
    expect(stateAnswerColumns(state({ hit, result: renamed }), models.model)).toBeUndefined();
  });
});
