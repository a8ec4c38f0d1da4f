/**
 * Bank section: the metrics completed for issue 13 (time to restore, work in progress and its age, percentiles by
 * group, review counts) and what the data cannot answer. Truth is plain JS over the generated rows.
 */
import type { DeploymentRow, WorkItemRow } from './answer-dataset.generator';
import type { Expectation, MeasureUnit } from './answer-bank.types';
import {
  countOf,
  DAY,
  groupsOf,
  hoursBetween,
  isOpen,
  mean,
  ms,
  percentileCont,
  percentileDisc,
  type BankBuilder,
  type BankContext,
} from './bank-kit';

const scalar = (value: number, unit: MeasureUnit): Expectation => ({ shape: 'scalar', value, unit });
const cycle = (w: WorkItemRow) => hoursBetween(w.createdAt, w.resolvedAt!);

export interface RestoreSpan {
  service: string;
  hours: number;
}

/**
 * Every failure's time to restore, under each reading of "time to restore" (see the README): from the failed or
 * rolled-back deployment to the next successful one of the same service in the same environment, start to start,
 * finish to finish or start to finish, for every failure or only the first of a streak. `statuses`: which
 * deployments count as failures.
 */
export function restoreSpans(
  deps: DeploymentRow[],
  environment = 'production',
  statuses: DeploymentRow['status'][] = ['failed', 'rolled_back'],
): RestoreSpan[][] {
  const env = deps
    .filter((d) => d.environment === environment)
    .sort((a, b) => ms(a.startedAt) - ms(b.startedAt));
  const spans = {
    startToStart: [] as RestoreSpan[],
    finishToFinish: [] as RestoreSpan[],
    startToFinish: [] as RestoreSpan[],
    streakStartToStart: [] as RestoreSpan[],
    streakFinishToFinish: [] as RestoreSpan[],
  };
  for (const [i, d] of env.entries()) {
    if (!statuses.includes(d.status)) continue;
    const next = env.slice(i + 1).find((x) => x.service === d.service && x.status === 'success');
    if (!next) continue;
    const span = (a: string, b: string) => ({ service: d.service, hours: hoursBetween(a, b) });
    spans.startToStart.push(span(d.startedAt, next.startedAt));
    spans.finishToFinish.push(span(d.finishedAt, next.finishedAt));
    spans.startToFinish.push(span(d.startedAt, next.finishedAt));
    const previous = env
      .slice(0, i)
      .reverse()
      .find((x) => x.service === d.service);
    if (!previous || previous.status === 'success') {
      spans.streakStartToStart.push(span(d.startedAt, next.startedAt));
      spans.streakFinishToFinish.push(span(d.finishedAt, next.finishedAt));
    }
  }
  return Object.values(spans).filter((s) => s.length > 0);
}

/** Mean time to restore in hours, under each reading of "time to restore". */
export function mttrReadings(deps: DeploymentRow[], statuses?: DeploymentRow['status'][]): number[] {
  return restoreSpans(deps, 'production', statuses).map((s) => mean(s.map((x) => x.hours)));
}

const REFUSE: Expectation = { shape: 'refuse' };

/**
 * The metrics completed for issue 13: time to restore (by service, in another environment, per failure status),
 * work in progress and its age, cycle time percentiles by group, review counts, and what the data cannot measure
 * (time to first review) or cannot say about the past (WIP of a past month), which must be refused.
 */
export function addFlowAndRecoveryMetrics(b: BankBuilder, ctx: BankContext): void {
  const { workItems: items, pullRequests: prs, deployments: deps } = ctx.ds;
  const hoursAgo = (iso: string) => (ctx.now.getTime() - ms(iso)) / 3_600_000;
  const byService = (spans: RestoreSpan[][]) =>
    spans.map((s) =>
      groupsOf(s, [(x) => x.service], { of: (g) => mean(g.map((x) => x.hours)), unit: 'duration_hours' }),
    );
  b.add(
    'metrics',
    ['MTTR by service', 'mean time to restore per service', 'average time to restore for each service'],
    byService(restoreSpans(deps)),
  );
  const in2026 = deps.filter((d) => d.startedAt.startsWith('2026'));
  b.add(
    'metrics',
    ['median time to restore this year', 'median MTTR in 2026'],
    restoreSpans(in2026).flatMap((s) =>
      [percentileCont, percentileDisc].map((f) =>
        scalar(
          f(
            s.map((x) => x.hours),
            0.5,
          ),
          'duration_hours',
        ),
      ),
    ),
  );
  b.add(
    'metrics',
    ['mean time to restore in staging', 'MTTR for staging deployments'],
    restoreSpans(deps, 'staging').map((s) => scalar(mean(s.map((x) => x.hours)), 'duration_hours')),
  );
  b.add(
    'metrics',
    ['mean time to restore after a rollback', 'average time to recover from rolled back deployments'],
    mttrReadings(deps, ['rolled_back']).map((v) => scalar(v, 'duration_hours')),
  );
  b.add(
    'metrics',
    ['MTTR of the data-ingest service', 'mean time to restore for data-ingest'],
    restoreSpans(deps)
      .map((s) => s.filter((x) => x.service === 'data-ingest'))
      .filter((s) => s.length > 0)
      .map((s) => scalar(mean(s.map((x) => x.hours)), 'duration_hours')),
  );
  b.add(
    'metrics',
    ['longest time to restore', 'maximum time to recover from a failed deployment'],
    [...restoreSpans(deps), ...restoreSpans(deps, 'production', ['failed'])].map((s) =>
      scalar(Math.max(...s.map((x) => x.hours)), 'duration_hours'),
    ),
  );

  // Work in progress: in progress or in review, or in progress only; both are fair readings of "WIP".
  const wips = [
    items.filter((x) => x.status === 'in_progress' || x.status === 'in_review'),
    items.filter((x) => x.status === 'in_progress'),
  ];
  b.add(
    'metrics',
    ['WIP in PAY', 'how much work in progress is there in PAY', 'number of PAY items in flight'],
    wips.map((rows) => countOf(rows.filter((x) => x.project === 'PAY').length)),
  );
  b.add(
    'metrics',
    ['work in progress by project', 'WIP per project'],
    wips.map((rows) => groupsOf(rows, [(x) => x.project])),
  );
  b.add(
    'metrics',
    ['how many bugs are in flight', 'WIP bugs count'],
    wips.map((rows) => countOf(rows.filter((x) => x.type === 'bug').length)),
  );
  const age = (rows: WorkItemRow[]) => rows.map((x) => hoursAgo(x.createdAt));
  b.add(
    'metrics',
    ['average age of work in progress', 'aging WIP', 'what is the average WIP age'],
    wips.map((rows) => scalar(mean(age(rows)), 'duration_hours')),
  );
  b.add(
    'metrics',
    ['oldest WIP age', 'maximum age of work in progress', 'age of the oldest work in progress'],
    wips.map((rows) => scalar(Math.max(...age(rows)), 'duration_hours')),
  );
  b.add(
    'metrics',
    ['average WIP age by assignee', 'mean age of work in progress per assignee'],
    wips.map((rows) =>
      groupsOf(rows, [(x) => x.assignee], { of: (g) => mean(age(g)), unit: 'duration_hours' }),
    ),
  );
  b.add(
    'metrics',
    ['median age of work in progress in WEB', 'median WIP age for the WEB project'],
    wips.flatMap((rows) =>
      [percentileCont, percentileDisc].map((f) =>
        scalar(f(age(rows.filter((x) => x.project === 'WEB')), 0.5), 'duration_hours'),
      ),
    ),
  );
  const cutoff = (days: number) => ctx.now.getTime() - days * DAY;
  b.add(
    'metrics',
    ['how many WIP items are older than 14 days', 'count of work in progress older than 14 days'],
    wips.map((rows) => countOf(rows.filter((x) => ms(x.createdAt) < cutoff(14)).length)),
  );
  b.add(
    'metrics',
    ['number of items in progress older than 60 days', 'how many in-progress items are older than 60 days'],
    countOf(items.filter((x) => x.status === 'in_progress' && ms(x.createdAt) < cutoff(60)).length),
  );
  const openBugs = items.filter((x) => x.type === 'bug' && isOpen(x));
  b.add(
    'metrics',
    ['average age of open bugs', 'mean age of unresolved bugs'],
    scalar(mean(age(openBugs)), 'duration_hours'),
  );
  b.add(
    'metrics',
    ['age of the oldest open bug', 'maximum age of an open bug'],
    scalar(Math.max(...age(openBugs)), 'duration_hours'),
  );

  // Cycle time percentiles by group: "resolved" as done, or done and cancelled.
  const finished = [items.filter((x) => x.status === 'done'), items.filter((x) => x.resolvedAt !== null)];
  b.add(
    'metrics',
    ['p90 cycle time by project', '90th percentile cycle time per project'],
    finished.flatMap((rows) =>
      [percentileCont, percentileDisc].map((f) =>
        groupsOf(rows, [(x) => x.project], { of: (g) => f(g.map(cycle), 0.9), unit: 'duration_hours' }),
      ),
    ),
  );
  b.add(
    'metrics',
    ['median cycle time by type', 'median cycle time per issue type'],
    finished.flatMap((rows) =>
      [percentileCont, percentileDisc].map((f) =>
        groupsOf(rows, [(x) => x.type], { of: (g) => f(g.map(cycle), 0.5), unit: 'duration_hours' }),
      ),
    ),
  );

  // Review count is the number of reviewers: the data keeps no review events.
  b.add(
    'metrics',
    ['maximum number of reviewers on a pull request', 'max review count of a PR'],
    scalar(Math.max(...prs.map((p) => p.reviewers.length)), 'number'),
  );
  b.add(
    'metrics',
    [
      'average review count of merged PRs by author',
      'mean number of reviewers per merged pull request by author',
    ],
    groupsOf(
      prs.filter((p) => p.state === 'merged'),
      [(p) => p.author],
      { of: (g) => mean(g.map((p) => p.reviewers.length)), unit: 'number' },
    ),
  );

  b.add(
    'must_refuse',
    ['average PR review time per repository', 'time to first review of pull requests'],
    REFUSE,
  );
  b.add('must_refuse', ['how long do PRs wait for review', 'review turnaround per repository'], REFUSE);
  b.add('must_refuse', ['WIP last month', 'what was our work in progress in October 2026'], REFUSE);
  b.add(
    'must_refuse',
    ['MTTR for successful deployments', 'mean time to restore of healthy deployments'],
    REFUSE,
  );
}
