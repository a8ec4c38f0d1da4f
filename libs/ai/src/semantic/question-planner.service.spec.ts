import { ErrorCode } from '@app/common';
import { AppConfig } from '@app/config';
import type { PlanFilter, QueryPlan } from './query-plan.types';
import { SemanticModelService } from './semantic-model.service';
import { QuestionPlannerService } from './question-planner.service';
import { SemanticException } from './semantic.exception';

const ENV = {
  DATABASE_URL: 'postgresql://root@127.0.0.1:5432/x',
  ADMIN_TOKEN: 'a'.repeat(20),
  INTEGRATION_SECRET_KEY: 'ab'.repeat(32),
};
const NOW = new Date('2026-11-25T15:30:00.000Z');
const config = new AppConfig(ENV);
const models = new SemanticModelService(config);
const planner = new QuestionPlannerService(models, config);
const plan = (q: string, opts: Parameters<QuestionPlannerService['plan']>[1] = {}) =>
  planner.plan(q, { now: NOW, ...opts });

/** Filters the question asked for (not the model's business rules), as `column op values`. */
function asked(p: QueryPlan): string[] {
  return p.filters
    .filter((f) => !f.source.startsWith('rule:') && f.source !== 'ranking')
    .map((f) => `${f.column} ${f.op} ${f.values.join('|')}`.trim())
    .sort();
}
const ruleIds = (p: QueryPlan) => [
  ...new Set(p.filters.map((f) => f.source).filter((s) => s.startsWith('rule:'))),
];
const find = (p: QueryPlan, column: string): PlanFilter | undefined =>
  p.filters.find((f) => f.column === column);

describe('QuestionPlannerService', () => {
  it('answers every example question of the model', async () => {
    for (const q of models.model.examples) {
      // As on the query path, with the tenant's own names.
      const p = await plan(q, { knownValues: { repository: ['payments-api'] } });
      expect({ q, answerable: p.answerable, unrecognized: p.unrecognized }).toEqual({
        q,
        answerable: true,
        unrecognized: [],
      });
      expect(p.confidence).toBeGreaterThanOrEqual(0.9);
    }
  });

  it('reads a ranking: top 5 assignees by bugs closed', async () => {
    const p = await plan('Top 5 assignees by bugs closed');
    expect(p.entity).toBe('work_items');
    expect(p.measure).toMatchObject({ key: 'work_item_count', aggregation: 'count', alias: 'bugs_resolved' });
    expect(p.dimensions.map((d) => d.key)).toEqual(['assignee']);
    expect(asked(p)).toEqual(['resolved_at not_null', 'status in done|cancelled', 'type eq bug']);
    expect(p.order).toEqual({ by: 'measure', direction: 'desc' });
    expect(p.limit).toBe(5);
    expect(find(p, 'assignee')?.op).toBe('not_null');
    expect(p.window).toBeNull();
  });

  it('reads a ranking whose count is spelled out: "top five", "three slowest"', async () => {
    const top = await plan('Top five assignees by bugs closed');
    expect(top.limit).toBe(5);
    expect(top.order).toEqual({ by: 'measure', direction: 'desc' });
    expect(top.dimensions.map((d) => d.key)).toEqual(['assignee']);

    const digits = await plan('3 slowest repositories by time to merge');
    const words = await plan('three slowest repositories by time to merge');
    expect(digits.limit).toBe(3);
    expect(words).toEqual(
      expect.objectContaining({ limit: 3, order: digits.order, dimensions: digits.dimensions }),
    );
  });

  it('with no time mentioned, answers over all time and says so', async () => {
    const p = await plan('open incidents by priority');
    expect(p.window).toBeNull();
    expect(p.grain).toBeNull();
    expect(p.explanation).toMatch(/over all time/);
    expect(p.dimensions.map((d) => d.key)).toEqual(['priority']);
    expect(asked(p)).toEqual(['status not_in done|cancelled', 'type eq incident']);
    expect(p.measure?.alias).toBe('open_incidents');
  });

  it('applies the window to the time column the words imply', async () => {
    const resolved = await plan('How many bugs were resolved last week?');
    expect(resolved.time?.column).toBe('resolved_at');
    expect(resolved.window).toMatchObject({
      start: '2026-11-16T00:00:00.000Z',
      end: '2026-11-23T00:00:00.000Z',
    });
    expect((await plan('How many bugs were created last week?')).time?.column).toBe('created_at');
    expect((await plan('merged PRs by author since March')).time?.column).toBe('merged_at');
    expect((await plan('time to merge this month')).time?.column).toBe('merged_at');
    expect((await plan('deploys last month')).time?.column).toBe('started_at');
  });

  it.each([
    ['how many deploys last week', 'deployments'],
    ['releases per week', 'deployments'],
    ['what shipped to prod last month', 'deployments'],
    ['how many merge requests are open', 'pull_requests'],
    ['number of PRs', 'pull_requests'],
    ['how many tickets are in progress', 'work_items'],
    ['incidents this quarter', 'work_items'],
    ['stories shipped last month', 'work_items'],
  ])('maps "%s" to %s', async (q, entity) => {
    const p = await plan(q);
    expect(p.entity).toBe(entity);
    expect(p.answerable).toBe(true);
  });

  it.each(['done', 'finished', 'fixed', 'completed'])(
    'reads "bugs %s last month" as done bugs by resolution time',
    async (word) => {
      const p = await plan(`bugs ${word} last month`);
      expect(asked(p)).toEqual(['status eq done', 'type eq bug']);
      expect(p.time?.column).toBe('resolved_at');
    },
  );

  it.each(['closed', 'resolved'])(
    'reads "bugs %s last month" as Jira does: a resolution (done or cancelled) last month',
    async (word) => {
      const p = await plan(`bugs ${word} last month`);
      expect(asked(p)).toEqual(['resolved_at not_null', 'status in done|cancelled', 'type eq bug']);
      expect(p.time?.column).toBe('resolved_at');
    },
  );

  it('reads "open" per entity: unfinished work items, unmerged pull requests', async () => {
    expect(asked(await plan('open bugs'))).toEqual(['status not_in done|cancelled', 'type eq bug']);
    expect(asked(await plan('open PRs'))).toEqual(['state eq open']);
  });

  it('reads "prod", "failed deploys" and "who"', async () => {
    expect(asked(await plan('deploys to prod'))).toEqual(['environment eq production']);
    expect(asked(await plan('failed deploys last week'))).toEqual(['status eq failed']);
    expect((await plan('who closed the most bugs last month')).dimensions.map((d) => d.key)).toEqual([
      'assignee',
    ]);
    const prs = await plan('who merged the most PRs?');
    expect(prs.dimensions.map((d) => d.key)).toEqual(['author']);
    expect(prs.limit).toBe(1);
  });

  it('reads aggregations, percentiles and superlatives', async () => {
    expect((await plan('median cycle time')).measure).toMatchObject({
      aggregation: 'median',
      percentile: 0.5,
    });
    expect((await plan('p90 cycle time')).measure).toMatchObject({
      aggregation: 'percentile',
      percentile: 0.9,
      alias: 'p90_cycle_time_hours',
    });
    expect((await plan('95th percentile time to merge')).measure?.alias).toBe('p95_time_to_merge_hours');
    expect((await plan('average PR size')).measure?.alias).toBe('avg_pr_size_lines');
    expect((await plan('longest cycle time for bugs')).measure?.aggregation).toBe('max');
    const slowest = await plan('which repository has the slowest time to merge');
    expect(slowest.order).toEqual({ by: 'measure', direction: 'desc' });
    expect(slowest.limit).toBe(1);
    expect(slowest.measure?.aggregation).toBe('avg');
  });

  it('applies business rules, letting an explicit environment override the DORA default', async () => {
    const cycle = await plan('average cycle time');
    expect(ruleIds(cycle)).toEqual(['rule:cycle_time_done_only']);
    expect(find(cycle, 'status')).toMatchObject({ op: 'eq', values: ['done'] });

    const cfr = await plan('change failure rate last 30 days');
    expect(find(cfr, 'environment')).toMatchObject({
      values: ['production'],
      source: 'rule:dora_production',
    });
    const staging = await plan('change failure rate in staging');
    expect(staging.filters.filter((f) => f.column === 'environment')).toEqual([
      expect.objectContaining({ values: ['staging'], source: 'staging' }),
    ]);

    const freq = await plan('deployment frequency');
    expect(freq.grain).toBe('week');
    expect(asked(freq)).toEqual([]);
    expect(ruleIds(freq).sort()).toEqual(['rule:deployment_frequency_successful', 'rule:dora_production']);
  });

  it('joins pull requests to their work items for lead time and reads dimensions of both', async () => {
    const p = await plan('lead time for changes for bugs by repository');
    expect(p.joins).toEqual(['pull_request_work_items']);
    expect(p.dimensions).toEqual([expect.objectContaining({ entity: 'pull_requests', key: 'repository' })]);
    expect(p.filters).toContainEqual(
      expect.objectContaining({ entity: 'work_items', column: 'type', values: ['bug'] }),
    );
    expect(p.measure).toMatchObject({
      key: 'lead_time',
      aggregation: 'median',
      alias: 'median_lead_time_hours',
    });
  });

  it('takes free-text names as parameters, exact when the tenant knows them', async () => {
    // A name the tenant does not have is taken only right after its field's words, compared case-insensitively.
    const guessed = await plan('median time to merge in repo checkout');
    expect(find(guessed, 'repository')).toMatchObject({
      values: ['checkout'],
      parameter: true,
      caseInsensitive: true,
    });
    expect(guessed.answerable).toBe(true);
    // Without them it is never guessed from the sentence shape: refused, naming the words.
    const unknown = await plan('median time to merge in payments-api');
    expect(unknown.answerable).toBe(false);
    expect(unknown.unrecognized).toEqual(['payments', 'api']);

    const known = await plan('median time to merge in payments-api', {
      knownValues: { repository: ['payments-api', 'web-app'] },
    });
    expect(find(known, 'repository')).toMatchObject({
      values: ['payments-api'],
      parameter: true,
      caseInsensitive: false,
    });
    expect(known.confidence).toBe(1);

    const person = await plan('how many PRs did alice merge last month');
    expect(person.answerable).toBe(false);
    expect(person.unrecognized).toEqual(['alice']);
    const knownPerson = await plan('how many PRs did alice merge last month', {
      knownValues: { author: ['alice'] },
    });
    expect(knownPerson.answerable).toBe(true);
    expect(asked(knownPerson)).toEqual(['author eq alice', 'state eq merged']);
  });

  it('keeps quoted text intact, case and quotes included, as a parameter value', async () => {
    const p = await plan(`bugs in project "Pay'); DROP TABLE work_items; --"`);
    expect(find(p, 'project')).toMatchObject({
      values: ["Pay'); DROP TABLE work_items; --"],
      parameter: true,
    });
  });

  describe('questions it should not answer', () => {
    it.each([
      ["what's the weather in Paris", /not understood/i],
      ['who should I promote', /not understood: promote/i],
      ['tell me a joke', /not understood/i],
      ['delete all bugs', /change data/i],
      ['drop table work_items', /change data/i],
      ['please update the status of PAY-12 to done', /change data/i],
      ['how many bugs and deployments did we have last week', /deployments/],
      ['average cycle time of deployments', /deployments/],
      ['how many bugs did the payments team resolve last week', /payments/],
      ['bugs created last month and resolved this week', /./],
      ['how many are there?', /work items|pull requests|deployments/],
      ['breakdown by status', /work items|pull requests|deployments/],
      ['how many defects were squashed last week', /squashed/],
    ])('%s', async (q, why) => {
      const p = await plan(q);
      expect(p.confidence).toBeLessThan(planner.threshold);
      expect(p.answerable).toBe(false);
      expect(p.explanation).toMatch(why);
      expect(p.suggestions.length).toBeGreaterThan(0);
    });

    it('turns a low-confidence plan into a 422 that says what was understood', async () => {
      const p = await plan('how many bugs did the payments team resolve last week');
      const err = planner.cannotAnswer(p);
      expect(err).toBeInstanceOf(SemanticException);
      expect(err.code).toBe(ErrorCode.CANNOT_ANSWER);
      expect(err.details).toMatchObject({
        unrecognized: ['payments', 'team'],
        understood: expect.stringMatching(/^number of work items where .*type is bug/),
        suggestions: expect.arrayContaining([
          expect.stringMatching(/^number of work items where .*type is bug/),
        ]),
      });
      expect(p.explanation).toMatch(/type is bug/);
      expect(p.explanation).toMatch(/last week/);
    });
  });

  describe('similarity for words the synonyms miss', () => {
    const thesaurus: Record<string, string> = { squashed: 'resolved', 'mean time to close': 'cycle time' };
    const similarity = jest.fn((text: string, candidates: string[]) =>
      Promise.resolve(candidates.map((c) => (thesaurus[text] === c ? 0.9 : 0.2))),
    );
    beforeEach(() => similarity.mockClear());

    it('maps an unknown verb to the closest phrase of the model', async () => {
      const p = await plan('how many defects were squashed last week', { similarity });
      expect(p.answerable).toBe(true);
      expect(asked(p)).toEqual(['resolved_at not_null', 'status in done|cancelled', 'type eq bug']);
      expect(p.time?.column).toBe('resolved_at');
      expect(p.issues.join()).toMatch(/similarity/);
    });

    it('maps an unknown multi-word measure', async () => {
      const p = await plan('mean time to close for incidents', { similarity });
      expect(p.measure?.key).toBe('cycle_time');
    });

    it('is not asked when every word is known, and a poor match changes nothing', async () => {
      await plan('open incidents by priority', { similarity });
      expect(similarity).not.toHaveBeenCalled();
      const p = await plan('how many bugs were frobnicated last week', { similarity });
      expect(similarity).toHaveBeenCalled();
      expect(p.answerable).toBe(false);
      expect(p.unrecognized).toEqual(['frobnicated']);
    });
  });

  it('uses SEMANTIC_MIN_CONFIDENCE as its threshold', async () => {
    const strict = new QuestionPlannerService(
      models,
      new AppConfig({ ...ENV, SEMANTIC_MIN_CONFIDENCE: '0.95' }),
    );
    const p = await strict.plan('median time to merge in payments-api', { now: NOW });
    expect(p.confidence).toBeLessThan(0.95);
    expect(p.answerable).toBe(false);
    expect(strict.threshold).toBe(0.95);
  });

  it('exposes its vocabulary for pre-computing embeddings', () => {
    const words = planner.vocabulary();
    expect(words).toEqual(
      expect.arrayContaining(['cycle time', 'bugs', 'deployments', 'assignee', 'production']),
    );
    expect(new Set(words).size).toBe(words.length);
  });
});
