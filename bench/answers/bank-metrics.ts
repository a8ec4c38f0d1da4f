/**
 * Bank sections: top/bottom N and the data model's metrics (DORA, flow, pull requests). Where the definition of a
 * metric is genuinely open (done only or every resolved item, interpolated or discrete percentile, start or
 * finish of a deployment) every reasonable reading is an accepted answer; see bench/answers/README.md.
 */
import type { DeploymentRow, PullRequestRow, WorkItemRow } from './answer-dataset.generator';
import type { Expectation, MeasureUnit } from './answer-bank.types';
import { mttrReadings } from './bank-recovery-metrics';
import {
  countOf,
  DAY,
  groupsOf,
  hoursBetween,
  isOpen,
  mean,
  monthOf,
  ms,
  percentileCont,
  percentileDisc,
  utc,
  weekOf,
  within,
  type BankBuilder,
  type BankContext,
} from './bank-kit';

const top = (
  n: number,
  order: 'desc' | 'asc',
  rows: { externalId: string }[],
  score: (r: never) => number,
): Expectation => ({
  shape: 'top',
  n,
  order,
  scores: Object.fromEntries(rows.map((r) => [r.externalId, score(r as never)])),
});
const scalar = (value: number, unit: MeasureUnit): Expectation => ({ shape: 'scalar', value, unit });
const size = (p: PullRequestRow) => p.additions + p.deletions;
const cycle = (w: WorkItemRow) => hoursBetween(w.createdAt, w.resolvedAt!);
const toMerge = (p: PullRequestRow) => hoursBetween(p.createdAt, p.mergedAt!);

/** "the last N days": N days before today, or the product's N whole days up to the end of today. */
function lastDays(now: Date, n: number): [Date, Date][] {
  const tomorrow = new Date(now.getTime() + DAY);
  return [
    [new Date(now.getTime() - n * DAY), now],
    [new Date(tomorrow.getTime() - n * DAY), tomorrow],
  ];
}

export function addTopN(b: BankBuilder, ctx: BankContext): void {
  const { workItems: items, pullRequests: prs, deployments: deps } = ctx.ds;
  const mergedOct = prs.filter((p) => within(p.mergedAt, utc(2026, 10), utc(2026, 11)));
  b.add(
    'top_n',
    [
      'the 5 largest pull requests merged last month',
      'top 5 biggest PRs merged last month by lines changed',
      'five largest PRs merged in October 2026',
    ],
    top(5, 'desc', mergedOct, size),
  );
  const payBugs = items.filter((x) => x.project === 'PAY' && x.type === 'bug' && x.resolvedAt !== null);
  b.add(
    'top_n',
    ['the three slowest resolved bugs in PAY', 'top 3 PAY bugs with the longest cycle time'],
    // "Resolved" as done and cancelled, or done only.
    [
      top(3, 'desc', payBugs, cycle),
      top(
        3,
        'desc',
        payBugs.filter((x) => x.status === 'done'),
        cycle,
      ),
    ],
  );
  b.add(
    'top_n',
    ['the 10 oldest open tickets', 'show me the ten oldest open items'],
    top(10, 'asc', items.filter(isOpen), (w: WorkItemRow) => ms(w.createdAt)),
  );
  const prod = deps.filter((d) => d.environment === 'production');
  b.add(
    'top_n',
    ['the 5 most recent production deployments', 'latest five deployments to production'],
    top(5, 'desc', prod, (d: DeploymentRow) => ms(d.startedAt)),
  );
  const web = prs.filter((p) => p.repository === 'web-frontend');
  b.add(
    'top_n',
    [
      'top 3 pull requests in web-frontend by changed files',
      'three PRs with the most changed files in web-frontend',
    ],
    top(3, 'desc', web, (p: PullRequestRow) => p.changedFiles),
  );
  const payMerged = prs.filter((p) => p.repository === 'payments-api' && p.mergedAt !== null);
  b.add(
    'top_n',
    [
      'the 3 fastest merged pull requests in payments-api',
      'three PRs in payments-api that took the least time to merge',
    ],
    top(3, 'asc', payMerged, toMerge),
  );
  b.add(
    'top_n',
    ['the 5 newest bugs', 'five most recently created bugs'],
    top(
      5,
      'desc',
      items.filter((x) => x.type === 'bug'),
      (w: WorkItemRow) => ms(w.createdAt),
    ),
  );
  b.add(
    'top_n',
    [
      'the 4 smallest merged PRs in data-pipeline',
      'four smallest merged pull requests in data-pipeline by size',
    ],
    top(
      4,
      'asc',
      prs.filter((p) => p.repository === 'data-pipeline' && p.state === 'merged'),
      size,
    ),
  );
}

export function addMoreTopN(b: BankBuilder, ctx: BankContext): void {
  const { workItems: items, deployments: deps } = ctx.ds;
  const openWebBugs = items.filter((x) => x.project === 'WEB' && x.type === 'bug' && isOpen(x));
  b.add(
    'top_n',
    ['the 3 oldest open bugs in WEB', 'three oldest open WEB bugs'],
    top(3, 'asc', openWebBugs, (w: WorkItemRow) => ms(w.createdAt)),
  );
  const payStories = items.filter(
    (x) => x.project === 'PAY' && x.type === 'story' && isOpen(x) && x.storyPoints !== null,
  );
  b.add(
    'top_n',
    ['top 5 open PAY stories by story points', 'the five open stories in PAY with the most story points'],
    top(5, 'desc', payStories, (w: WorkItemRow) => w.storyPoints!),
  );
  const prod = deps.filter((d) => d.environment === 'production');
  b.add(
    'top_n',
    ['the 3 longest running production deployments', 'three production deployments that took the longest'],
    top(3, 'desc', prod, (d: DeploymentRow) => ms(d.finishedAt) - ms(d.startedAt)),
  );
}

export function addMetrics(b: BankBuilder, ctx: BankContext): void {
  const { workItems: items, pullRequests: prs, deployments: deps } = ctx.ds;
  const prodOk = deps.filter((d) => d.environment === 'production' && d.status === 'success');
  b.add(
    'metrics',
    [
      'deployment frequency per week over the last 8 weeks',
      'how many successful production deployments per week in the last 8 weeks',
    ],
    lastDays(ctx.now, 56).map(([s, e]) =>
      groupsOf(
        prodOk.filter((d) => within(d.startedAt, s, e)),
        [(d) => weekOf(d.startedAt)],
      ),
    ),
  );
  b.add(
    'metrics',
    ['deployment frequency by month in 2026', 'monthly deployment frequency for 2026'],
    groupsOf(
      prodOk.filter((d) => d.startedAt.startsWith('2026')),
      [(d) => monthOf(d.startedAt)],
    ),
  );
  const prodOct = prodOk.filter((d) => within(d.startedAt, utc(2026, 10), utc(2026, 11))).length;
  b.add(
    'metrics',
    ['what was our deployment frequency last month', 'deployment frequency in October 2026'],
    // A count, a rate per day or week, or the weekly series: each is a fair reading of "frequency".
    [
      countOf(prodOct),
      scalar(prodOct / 31, 'number'),
      scalar(prodOct / (31 / 7), 'number'),
      groupsOf(
        prodOk.filter((d) => within(d.startedAt, utc(2026, 10), utc(2026, 11))),
        [(d) => weekOf(d.startedAt)],
      ),
    ],
  );
  const cfr = (rows: DeploymentRow[]) => {
    const prod = rows.filter((d) => d.environment === 'production');
    return prod.filter((d) => d.status !== 'success').length / prod.length;
  };
  b.add(
    'metrics',
    [
      'change failure rate over the last 90 days',
      'what is our change failure rate for the last 90 days?',
      'CFR in the last 90 days',
    ],
    lastDays(ctx.now, 90).map(([s, e]) =>
      scalar(cfr(deps.filter((d) => within(d.startedAt, s, e))), 'ratio'),
    ),
  );
  b.add(
    'metrics',
    ['change failure rate by service', 'change failure rate per service'],
    groupsOf(
      deps.filter((d) => d.environment === 'production'),
      [(d) => d.service],
      { of: cfr, unit: 'ratio' },
    ),
  );
  b.add(
    'metrics',
    ['change failure rate in 2026', 'what was the change failure rate during 2026'],
    scalar(cfr(deps.filter((d) => d.startedAt.startsWith('2026'))), 'ratio'),
  );
  b.add(
    'metrics',
    ['what is our MTTR?', 'mean time to restore', 'MTTR'],
    mttrReadings(deps).map((v) => scalar(v, 'duration_hours')),
  );
  // "Failed" is DORA's failed or rolled back, or literally the failed status: both readings are fair.
  b.add(
    'metrics',
    [
      'mean time to restore for failed deployments',
      'average time to recover from a failed production deployment',
    ],
    [...mttrReadings(deps), ...mttrReadings(deps, ['failed'])].map((v) => scalar(v, 'duration_hours')),
  );
  b.add(
    'metrics',
    ['mean time to restore in 2026', 'MTTR during 2026'],
    mttrReadings(deps.filter((d) => d.startedAt.startsWith('2026'))).map((v) => scalar(v, 'duration_hours')),
  );

  // Flow: "resolved" may mean done, or done and cancelled.
  const finished = [items.filter((x) => x.status === 'done'), items.filter((x) => x.resolvedAt !== null)];
  b.add(
    'metrics',
    ['weekly throughput for the last 8 weeks', 'throughput per week over the last 8 weeks'],
    finished.flatMap((rows) =>
      lastDays(ctx.now, 56).map(([s, e]) =>
        groupsOf(
          rows.filter((x) => within(x.resolvedAt, s, e)),
          [(x) => weekOf(x.resolvedAt!)],
        ),
      ),
    ),
  );
  b.add(
    'metrics',
    ['what was our throughput last month', 'throughput in October 2026'],
    finished.flatMap((rows) => {
      const oct = rows.filter((x) => within(x.resolvedAt, utc(2026, 10), utc(2026, 11)));
      return [countOf(oct.length), groupsOf(oct, [(x) => weekOf(x.resolvedAt!)])];
    }),
  );
  b.add(
    'metrics',
    [
      'story points completed per assignee last month',
      'how many story points did each assignee finish last month',
    ],
    groupsOf(
      items.filter((x) => x.status === 'done' && within(x.resolvedAt, utc(2026, 10), utc(2026, 11))),
      [(x) => x.assignee],
      { of: (g) => g.reduce((s, x) => s + (x.storyPoints ?? 0), 0), unit: 'number' },
    ),
  );
  const in2026 = (rows: WorkItemRow[]) => rows.filter((x) => x.resolvedAt?.startsWith('2026'));
  const bugs = (rows: WorkItemRow[]) => rows.filter((x) => x.type === 'bug');
  b.add(
    'metrics',
    ['average cycle time of bugs resolved in 2026', 'mean cycle time for bugs resolved during 2026'],
    finished.map((rows) => scalar(mean(in2026(bugs(rows)).map(cycle)), 'duration_hours')),
  );
  const stories = finished.map((rows) => rows.filter((x) => x.type === 'story').map(cycle));
  b.add(
    'metrics',
    ['median cycle time for stories', 'what is the median cycle time of stories?'],
    stories.flatMap((xs) =>
      [percentileCont(xs, 0.5), percentileDisc(xs, 0.5)].map((v) => scalar(v, 'duration_hours')),
    ),
  );
  b.add(
    'metrics',
    ['p90 cycle time of bugs', '90th percentile cycle time for bugs'],
    finished.flatMap((rows) =>
      [percentileCont, percentileDisc].map((f) => scalar(f(bugs(rows).map(cycle), 0.9), 'duration_hours')),
    ),
  );
  b.add(
    'metrics',
    ['average cycle time by project', 'mean cycle time per project'],
    finished.map((rows) =>
      groupsOf(rows, [(x) => x.project], { of: (g) => mean(g.map(cycle)), unit: 'duration_hours' }),
    ),
  );
  const wip = [
    items.filter((x) => x.status === 'in_progress' || x.status === 'in_review'),
    items.filter((x) => x.status === 'in_progress'),
  ];
  b.add(
    'metrics',
    ['what is our current WIP', 'work in progress count'],
    wip.map((rows) => countOf(rows.length)),
  );
  b.add(
    'metrics',
    ['WIP by assignee', 'work in progress per assignee'],
    wip.map((rows) => groupsOf(rows, [(x) => x.assignee])),
  );

  const merged = prs.filter((p) => p.mergedAt !== null);
  b.add(
    'metrics',
    ['average time to merge in payments-api', 'mean time to merge for payments-api pull requests'],
    scalar(mean(merged.filter((p) => p.repository === 'payments-api').map(toMerge)), 'duration_hours'),
  );
  b.add(
    'metrics',
    ['average time to merge by repository', 'mean PR time to merge per repository'],
    groupsOf(merged, [(p) => p.repository], { of: (g) => mean(g.map(toMerge)), unit: 'duration_hours' }),
  );
  const mergedOct = merged.filter((p) => within(p.mergedAt, utc(2026, 10), utc(2026, 11))).map(toMerge);
  b.add(
    'metrics',
    ['median time to merge last month', 'median PR time to merge in October 2026'],
    [percentileCont(mergedOct, 0.5), percentileDisc(mergedOct, 0.5)].map((v) => scalar(v, 'duration_hours')),
  );
  b.add(
    'metrics',
    ['average PR size by repository', 'mean pull request size per repository'],
    groupsOf(prs, [(p) => p.repository], { of: (g) => mean(g.map(size)), unit: 'number' }),
  );
  b.add(
    'metrics',
    ['average pull request size', 'mean PR size in lines changed'],
    scalar(mean(prs.map(size)), 'number'),
  );
  b.add(
    'metrics',
    ['average review count per pull request', 'how many reviewers does a PR have on average'],
    [
      scalar(mean(prs.map((p) => p.reviewers.length)), 'number'),
      scalar(mean(merged.map((p) => p.reviewers.length)), 'number'),
    ],
  );
  b.add(
    'metrics',
    ['average number of reviewers by repository', 'mean review count per repository'],
    groupsOf(prs, [(p) => p.repository], {
      of: (g) => mean(g.map((p) => p.reviewers.length)),
      unit: 'number',
    }),
  );
}
