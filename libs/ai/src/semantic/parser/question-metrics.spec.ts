import { parserKit } from '../testing/parser-kit';
import type { LogicalForm } from './logical-form.types';

const KNOWN = { project: ['PAY', 'WEB'], service: ['payments-api', 'data-ingest'] };

const { read, said, refused } = parserKit(KNOWN);
const statusFilters = (f: LogicalForm) => f.filters.filter((x) => x.column === 'status');

describe('QuestionParser: the metrics of the data model', () => {
  it.each([
    ['what is our MTTR', 'average time to restore'],
    ['mean time to restore by service', 'average time to restore'],
    ['median time to recovery in 2026', 'median time to restore'],
    ['p90 time to restore', 'p90 time to restore'],
  ])('reads time to restore: %s', (q, head) => {
    const f = read(q);
    expect(f.projection).toMatchObject({ kind: 'measure', measure: 'time_to_restore' });
    expect(said(q).startsWith(head)).toBe(true);
    // Failures only, in production unless the question names an environment.
    expect(statusFilters(f)).toEqual([
      expect.objectContaining({ op: 'in', values: ['failed', 'rolled_back'] }),
    ]);
    expect(f.filters).toContainEqual(
      expect.objectContaining({ column: 'environment', values: ['production'] }),
    );
  });

  it('measures time to restore in the environment the question names', () => {
    const f = read('MTTR in staging');
    expect(f.filters.filter((x) => x.column === 'environment')).toEqual([
      expect.objectContaining({ values: ['staging'], source: 'staging' }),
    ]);
  });

  it('refuses time to restore of successful deployments (no failure to restore from)', () => {
    expect(refused('MTTR for successful deployments').reason).toMatch(/never all hold/);
  });

  it('reads work in progress as items in progress or in review, now', () => {
    expect(said('what is our current WIP')).toBe(
      'work in progress (items in progress or in review), over all time',
    );
    expect(read('WIP by assignee').groups.map((g) => g.dim)).toEqual(['assignee']);
    expect(statusFilters(read('WIP in PAY'))).toEqual([
      expect.objectContaining({ op: 'in', values: ['in_progress', 'in_review'] }),
    ]);
  });

  it('refuses WIP of a past period, which the data cannot tell, but reads a window a verb names', () => {
    expect(refused('WIP last month').reason).toMatch(/known for now only/);
    expect(refused('what was our work in progress in October 2026').reason).toMatch(/known for now only/);
    expect(said('WIP created last month')).toBe(
      'work in progress (items in progress or in review), created last month',
    );
  });

  it('reads the age of work in progress: average, oldest, per group, older than N days', () => {
    expect(read('average age of work in progress').projection).toMatchObject({
      measure: 'aging_wip',
      agg: 'avg',
    });
    expect(read('oldest WIP age').projection).toMatchObject({ measure: 'aging_wip', agg: 'max' });
    // A measure over the records a count names: the age of the work in progress, shown in the restatement.
    expect(said('age of the oldest work in progress')).toBe(
      'max age (days since created) where status is in progress or in review, over all time',
    );
    expect(read('average WIP age by assignee').groups.map((g) => g.dim)).toEqual(['assignee']);
    const older = read('how many WIP items are older than 14 days');
    expect(older.projection).toMatchObject({ kind: 'measure', measure: 'work_in_progress' });
    expect(older.filters).toContainEqual(
      expect.objectContaining({ column: 'created_at', op: 'lt', values: ['2026-11-11T00:00:00.000Z'] }),
    );
  });

  it('reads the age of any records, and refuses a measure over a set it contradicts', () => {
    expect(said('average age of open bugs')).toBe(
      'average age (days since created) where status is not done or cancelled and type is bug, over all time',
    );
    expect(read('age of the oldest open bug').projection).toMatchObject({ measure: 'item_age', agg: 'max' });
    expect(refused('average cycle time of WIP').reason).toMatch(/never all hold/);
  });

  it('reads cycle time percentiles and says which', () => {
    expect(said('p90 cycle time by project')).toBe('p90 cycle time, over all time, by project');
    expect(read('median cycle time by type').projection).toMatchObject({ agg: 'median', percentile: 0.5 });
  });

  it('reads review counts as the number of reviewers, and a measure phrase inside a ranking phrase', () => {
    expect(read('maximum number of reviewers on a pull request').projection).toMatchObject({
      measure: 'review_count',
      agg: 'max',
    });
    expect(read('which assignee has the maximum number of bugs').order).toEqual({
      by: 'measure',
      direction: 'desc',
    });
  });

  it.each([
    ['how long does it take to merge a PR', 'time_to_merge'],
    ['how long do deployments take', 'deployment_duration'],
    ['how long to recover from failed deployments', 'time_to_restore'],
  ])('reads "how long" with the verb of a duration measure: %s', (q, measure) => {
    expect(read(q).projection).toMatchObject({ kind: 'measure', measure, agg: 'avg' });
  });

  it.each([
    'average PR review time per repository',
    'time to first review of pull requests',
    'review turnaround',
  ])('refuses review time, which the data does not record: %s', (q) => {
    expect(refused(q).unrecognized.length).toBeGreaterThan(0);
  });
});

describe('QuestionParser: questions about insights on work in progress', () => {
  it.each([
    ['what changed in work in progress', 'list of open insights where metric is wip or aging wip median'],
    [
      'anything unusual in wip this week?',
      'list of open insights where metric is wip or aging wip median, detected this week',
    ],
  ])('%s', (q, restatement) => {
    expect(said(q)).toBe(restatement);
  });

  it('counts WIP findings among the work-item insights', () => {
    expect(said('what changed in work items')).toContain('wip or aging wip median');
  });
});
