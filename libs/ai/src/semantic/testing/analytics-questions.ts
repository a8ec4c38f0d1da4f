import type { PlanOptions } from '../query-plan.types';
import type { AnalyticsFixture, FixtureDeployment, FixturePullRequest, FixtureWorkItem } from './fixtures';

// The oracle: nothing here uses the planner, the compiler or the time parser. Windows are written out by hand
// for now = 2026-11-25T15:30Z (a Wednesday), the fixture's FIXTURE_NOW.

export type Cell = string | number | null;
export interface ExpectedAnswer {
  columns: string[];
  rows: Cell[][];
  /** Row order matters (rankings); otherwise rows are compared as a set. */
  ordered?: boolean;
}
export interface TenantData {
  wi: FixtureWorkItem[];
  pr: FixturePullRequest[];
  dep: FixtureDeployment[];
}

const d = (s: string) => new Date(s).getTime();
/** The windows the questions name, for now = FIXTURE_NOW, written out by hand. */
export const W = {
  lastWeek: [d('2026-11-16'), d('2026-11-23')],
  thisWeek: [d('2026-11-23'), d('2026-11-30')],
  thisMonth: [d('2026-11-01'), d('2026-12-01')],
  lastMonth: [d('2026-10-01'), d('2026-11-01')],
  last30Days: [d('2026-10-27'), d('2026-11-26')],
  last90Days: [d('2026-08-28'), d('2026-11-26')],
  past8Weeks: [d('2026-10-01'), d('2026-11-26')],
  sinceMarch: [d('2026-03-01'), Infinity],
  q3of2025: [d('2025-07-01'), d('2025-10-01')],
  year2025: [d('2025-01-01'), d('2026-01-01')],
  thisYear: [d('2026-01-01'), d('2027-01-01')],
  thisQuarter: [d('2026-10-01'), d('2027-01-01')],
  lastQuarter: [d('2026-07-01'), d('2026-10-01')],
  marchToMay: [d('2026-03-01'), d('2026-06-01')],
  yesterday: [d('2026-11-24'), d('2026-11-25')],
} as const;
export const within = (t: Date | null, [a, b]: readonly [number, number]) =>
  t !== null && t.getTime() >= a && t.getTime() < b;
const hoursBetween = (a: Date, b: Date) => (b.getTime() - a.getTime()) / 3_600_000;
export const isOpen = (w: FixtureWorkItem) => w.status !== 'done' && w.status !== 'cancelled';
const isDone = (w: FixtureWorkItem) => w.status === 'done' && w.resolvedAt !== null;
/** "resolved"/"closed" as Jira means it: a resolution was set, done or cancelled. */
const isClosed = (w: FixtureWorkItem) =>
  (w.status === 'done' || w.status === 'cancelled') && w.resolvedAt !== null;
const cycle = (w: FixtureWorkItem) => hoursBetween(w.createdAt, w.resolvedAt!);
const ttm = (p: FixturePullRequest) => hoursBetween(p.createdAt, p.mergedAt!);
const merged = (p: FixturePullRequest) => p.state === 'merged' && p.mergedAt !== null;

function mean(xs: number[]): number | null {
  return xs.length === 0 ? null : xs.reduce((s, x) => s + x, 0) / xs.length;
}
function sumOrNull(xs: (number | null)[]): number | null {
  const v = xs.filter((x): x is number => x !== null);
  return v.length === 0 ? null : v.reduce((s, x) => s + x, 0);
}
/** Linear interpolation between closest ranks (what percentile_cont does). */
export function percentile(xs: number[], p: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}
function group<T>(items: T[], key: (t: T) => Cell): Map<Cell, T[]> {
  const m = new Map<Cell, T[]>();
  for (const it of items) {
    const k = key(it);
    m.set(k, [...(m.get(k) ?? []), it]);
  }
  return m;
}
export function grouped<T>(items: T[], key: (t: T) => Cell, value: (g: T[]) => Cell): Cell[][] {
  return [...group(items, key)].map(([k, g]) => [k, value(g)]);
}
function mondayIso(t: Date): string {
  const day = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()));
  const back = (day.getUTCDay() + 6) % 7;
  return new Date(day.getTime() - back * 86_400_000).toISOString();
}
const monthIso = (t: Date) => new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), 1)).toISOString();
const dayIso = (t: Date) =>
  new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate())).toISOString();
/** Highest first, ties by name, no empty names: how a "top N" reads. */
function ranked(rows: Cell[][], n: number, direction: 'desc' | 'asc' = 'desc'): Cell[][] {
  return rows
    .filter((r) => r[0] !== null)
    .sort((a, b) => {
      const diff = (Number(b[1]) - Number(a[1])) * (direction === 'desc' ? 1 : -1);
      return diff !== 0 ? diff : String(a[0]) < String(b[0]) ? -1 : 1;
    })
    .slice(0, n);
}
function cfr(ds: FixtureDeployment[]): Cell[] {
  const failed = ds.filter((x) => x.status === 'failed' || x.status === 'rolled_back').length;
  return [ds.length === 0 ? null : failed / ds.length, failed, ds.length];
}
export function leadTimes(
  data: TenantData,
  pred: (p: FixturePullRequest, w: FixtureWorkItem) => boolean,
): number[] {
  const out: number[] = [];
  for (const p of data.pr.filter(merged)) {
    for (const key of p.workItemKeys) {
      // Same tenant only: the other tenant has work items with the same keys.
      const w = data.wi.find((x) => x.externalId === key);
      if (w && pred(p, w)) out.push(hoursBetween(w.createdAt, p.mergedAt!));
    }
  }
  return out;
}

export interface AnalyticsQuestion {
  q: string;
  expect: (x: TenantData) => ExpectedAnswer;
  opts?: PlanOptions;
}

/**
 * Analytics questions with their answers computed independently, in plain TypeScript over the fixture objects,
 * for a fixture made with now = FIXTURE_NOW. Covers every metric of docs/data-model.md.
 */
export const ANALYTICS_QUESTIONS: AnalyticsQuestion[] = [
  {
    q: 'How many bugs were resolved last week?',
    expect: ({ wi }) => ({
      columns: ['bugs_resolved'],
      rows: [[wi.filter((w) => w.type === 'bug' && isClosed(w) && within(w.resolvedAt, W.lastWeek)).length]],
    }),
  },
  {
    q: 'Open incidents by priority',
    expect: ({ wi }) => ({
      columns: ['priority', 'open_incidents'],
      rows: grouped(
        wi.filter((w) => w.type === 'incident' && isOpen(w)),
        (w) => w.priority,
        (g) => g.length,
      ),
    }),
  },
  {
    q: 'Average cycle time for stories by assignee',
    expect: ({ wi }) => ({
      columns: ['assignee', 'avg_cycle_time_hours'],
      rows: grouped(
        wi.filter((w) => w.type === 'story' && isDone(w)),
        (w) => w.assignee,
        (g) => mean(g.map(cycle)),
      ),
    }),
  },
  {
    q: 'Median time to merge in payments-api',
    expect: ({ pr }) => ({
      columns: ['median_time_to_merge_hours'],
      rows: [[percentile(pr.filter((p) => merged(p) && p.repository === 'payments-api').map(ttm), 0.5)]],
    }),
  },
  {
    q: 'p90 cycle time by project this month',
    expect: ({ wi }) => ({
      columns: ['project', 'p90_cycle_time_hours'],
      rows: grouped(
        wi.filter((w) => isDone(w) && within(w.resolvedAt, W.thisMonth)),
        (w) => w.project,
        (g) => percentile(g.map(cycle), 0.9),
      ),
    }),
  },
  {
    q: 'Throughput per week',
    expect: ({ wi }) => ({
      columns: ['week', 'items_resolved'],
      rows: grouped(
        wi.filter(isDone),
        (w) => mondayIso(w.resolvedAt!),
        (g) => g.length,
      ),
    }),
  },
  {
    q: 'Story points done by assignee last month',
    expect: ({ wi }) => ({
      columns: ['assignee', 'total_story_points'],
      rows: grouped(
        wi.filter((w) => w.status === 'done' && within(w.resolvedAt, W.lastMonth)),
        (w) => w.assignee,
        (g) => sumOrNull(g.map((w) => w.storyPoints)),
      ),
    }),
  },
  {
    q: 'Merged PRs by author since March',
    expect: ({ pr }) => ({
      columns: ['author', 'merged_pull_requests'],
      rows: grouped(
        pr.filter((p) => p.state === 'merged' && within(p.mergedAt, W.sinceMarch)),
        (p) => p.author,
        (g) => g.length,
      ),
    }),
  },
  {
    q: 'PR size by repository',
    expect: ({ pr }) => ({
      columns: ['repository', 'avg_pr_size_lines'],
      rows: grouped(
        pr,
        (p) => p.repository,
        (g) => mean(g.map((p) => p.additions + p.deletions)),
      ),
    }),
  },
  {
    q: 'Deployment frequency per week in production',
    expect: ({ dep }) => ({
      columns: ['week', 'successful_deployments'],
      rows: grouped(
        dep.filter((x) => x.environment === 'production' && x.status === 'success'),
        (x) => mondayIso(x.startedAt),
        (g) => g.length,
      ),
    }),
  },
  {
    q: 'Change failure rate last 30 days',
    expect: ({ dep }) => ({
      columns: ['change_failure_rate', 'failed_deployments', 'total_deployments'],
      rows: [cfr(dep.filter((x) => x.environment === 'production' && within(x.startedAt, W.last30Days)))],
    }),
  },
  {
    q: 'Lead time for changes',
    expect: (x) => ({
      columns: ['median_lead_time_hours'],
      rows: [
        [
          percentile(
            leadTimes(x, () => true),
            0.5,
          ),
        ],
      ],
    }),
  },
  {
    q: 'Top 5 assignees by bugs closed',
    expect: ({ wi }) => ({
      columns: ['assignee', 'bugs_resolved'],
      ordered: true,
      rows: ranked(
        grouped(
          wi.filter((w) => w.type === 'bug' && isClosed(w)),
          (w) => w.assignee,
          (g) => g.length,
        ),
        5,
      ),
    }),
  },
  {
    q: 'How many work items were created this week?',
    expect: ({ wi }) => ({
      columns: ['work_items'],
      rows: [[wi.filter((w) => within(w.createdAt, W.thisWeek)).length]],
    }),
  },
  {
    q: 'Bugs created in Q3 2025 by priority',
    expect: ({ wi }) => ({
      columns: ['priority', 'bugs'],
      rows: grouped(
        wi.filter((w) => w.type === 'bug' && within(w.createdAt, W.q3of2025)),
        (w) => w.priority,
        (g) => g.length,
      ),
    }),
  },
  {
    q: 'How many incidents were opened in 2025?',
    expect: ({ wi }) => ({
      columns: ['incidents'],
      rows: [[wi.filter((w) => w.type === 'incident' && within(w.createdAt, W.year2025)).length]],
    }),
  },
  {
    q: 'Median cycle time for bugs in the last 90 days',
    expect: ({ wi }) => ({
      columns: ['median_cycle_time_hours'],
      rows: [
        [
          percentile(
            wi.filter((w) => w.type === 'bug' && isDone(w) && within(w.resolvedAt, W.last90Days)).map(cycle),
            0.5,
          ),
        ],
      ],
    }),
  },
  {
    q: 'Throughput per month this year',
    expect: ({ wi }) => ({
      columns: ['month', 'items_resolved'],
      rows: grouped(
        wi.filter((w) => isDone(w) && within(w.resolvedAt, W.thisYear)),
        (w) => monthIso(w.resolvedAt!),
        (g) => g.length,
      ),
    }),
  },
  {
    q: 'Average review count by repository',
    expect: ({ pr }) => ({
      columns: ['repository', 'avg_review_count'],
      rows: grouped(
        pr,
        (p) => p.repository,
        (g) => mean(g.map((p) => p.reviewers.length)),
      ),
    }),
  },
  {
    q: 'Merged pull requests per month in 2026',
    expect: ({ pr }) => ({
      columns: ['month', 'merged_pull_requests'],
      rows: grouped(
        pr.filter((p) => p.state === 'merged' && within(p.mergedAt, W.thisYear)),
        (p) => monthIso(p.mergedAt!),
        (g) => g.length,
      ),
    }),
  },
  {
    q: 'Change failure rate by service',
    expect: ({ dep }) => ({
      columns: ['service', 'change_failure_rate', 'failed_deployments', 'total_deployments'],
      rows: [
        ...group(
          dep.filter((x) => x.environment === 'production'),
          (x) => x.service,
        ),
      ].map(([k, g]) => [k, ...cfr(g)]),
    }),
  },
  {
    q: 'Deployment frequency per day last week',
    expect: ({ dep }) => ({
      columns: ['day', 'successful_deployments'],
      rows: grouped(
        dep.filter(
          (x) => x.environment === 'production' && x.status === 'success' && within(x.startedAt, W.lastWeek),
        ),
        (x) => dayIso(x.startedAt),
        (g) => g.length,
      ),
    }),
  },
  {
    q: 'Average deployment duration by service',
    expect: ({ dep }) => ({
      columns: ['service', 'avg_deployment_duration_minutes'],
      rows: grouped(
        dep.filter((x) => x.finishedAt !== null),
        (x) => x.service,
        (g) => mean(g.map((x) => (x.finishedAt!.getTime() - x.startedAt.getTime()) / 60_000)),
      ),
    }),
  },
  {
    q: 'Who merged the most PRs last month?',
    expect: ({ pr }) => ({
      columns: ['author', 'merged_pull_requests'],
      ordered: true,
      rows: ranked(
        grouped(
          pr.filter((p) => p.state === 'merged' && within(p.mergedAt, W.lastMonth)),
          (p) => p.author,
          (g) => g.length,
        ),
        1,
      ),
    }),
  },
  {
    q: 'Which repository has the slowest average time to merge?',
    expect: ({ pr }) => ({
      columns: ['repository', 'avg_time_to_merge_hours'],
      ordered: true,
      rows: ranked(
        grouped(
          pr.filter(merged),
          (p) => p.repository,
          (g) => mean(g.map(ttm)),
        ),
        1,
      ),
    }),
  },
  {
    q: 'How many deployments to staging failed this quarter?',
    expect: ({ dep }) => ({
      columns: ['failed_deployments'],
      rows: [
        [
          dep.filter(
            (x) => x.environment === 'staging' && x.status === 'failed' && within(x.startedAt, W.thisQuarter),
          ).length,
        ],
      ],
    }),
  },
  {
    q: 'Story points completed per project in Q3 2025',
    expect: ({ wi }) => ({
      columns: ['project', 'total_story_points'],
      rows: grouped(
        wi.filter((w) => w.status === 'done' && within(w.resolvedAt, W.q3of2025)),
        (w) => w.project,
        (g) => sumOrNull(g.map((w) => w.storyPoints)),
      ),
    }),
  },
  {
    q: 'Open PRs by repository',
    expect: ({ pr }) => ({
      columns: ['repository', 'open_pull_requests'],
      rows: grouped(
        pr.filter((p) => p.state === 'open'),
        (p) => p.repository,
        (g) => g.length,
      ),
    }),
  },
  {
    q: 'Lead time for changes by repository this year',
    expect: (x) => ({
      columns: ['repository', 'median_lead_time_hours'],
      rows: [...group(x.pr, (p) => p.repository).keys()]
        .map((repo) => [
          repo,
          percentile(
            leadTimes(x, (p) => p.repository === repo && within(p.mergedAt, W.thisYear)),
            0.5,
          ),
        ])
        .filter((r) => r[1] !== null),
    }),
  },
  {
    q: 'Lead time for changes by project',
    expect: (x) => ({
      columns: ['project', 'median_lead_time_hours'],
      rows: [...group(x.wi, (w) => w.project).keys()]
        .map((project) => [
          project,
          percentile(
            leadTimes(x, (_p, w) => w.project === project),
            0.5,
          ),
        ])
        .filter((r) => r[1] !== null),
    }),
  },
  {
    q: 'How many high priority bugs are open?',
    expect: ({ wi }) => ({
      columns: ['open_bugs'],
      rows: [[wi.filter((w) => w.type === 'bug' && w.priority === 'high' && isOpen(w)).length]],
    }),
  },
  {
    q: 'Cancelled work items by type between March and May 2026',
    expect: ({ wi }) => ({
      columns: ['type', 'cancelled_work_items'],
      rows: grouped(
        wi.filter((w) => w.status === 'cancelled' && within(w.resolvedAt, W.marchToMay)),
        (w) => w.type,
        (g) => g.length,
      ),
    }),
  },
  {
    q: 'Bugs resolved per week in the past 8 weeks',
    expect: ({ wi }) => ({
      columns: ['week', 'bugs_resolved'],
      rows: grouped(
        wi.filter((w) => w.type === 'bug' && isClosed(w) && within(w.resolvedAt, W.past8Weeks)),
        (w) => mondayIso(w.resolvedAt!),
        (g) => g.length,
      ),
    }),
  },
  {
    q: 'p90 time to merge by author',
    expect: ({ pr }) => ({
      columns: ['author', 'p90_time_to_merge_hours'],
      rows: grouped(
        pr.filter(merged),
        (p) => p.author,
        (g) => percentile(g.map(ttm), 0.9),
      ),
    }),
  },
  {
    q: 'Number of rolled back deployments by service in 2026',
    expect: ({ dep }) => ({
      columns: ['service', 'rolled_back_deployments'],
      rows: grouped(
        dep.filter((x) => x.status === 'rolled_back' && within(x.startedAt, W.thisYear)),
        (x) => x.service,
        (g) => g.length,
      ),
    }),
  },
  {
    q: 'Total lines changed by author last quarter',
    expect: ({ pr }) => ({
      columns: ['author', 'total_pr_size_lines'],
      rows: grouped(
        pr.filter((p) => within(p.createdAt, W.lastQuarter)),
        (p) => p.author,
        (g) => g.reduce((s, p) => s + p.additions + p.deletions, 0),
      ),
    }),
  },
  {
    q: 'Change failure rate per month in production this year',
    expect: ({ dep }) => ({
      columns: ['month', 'change_failure_rate', 'failed_deployments', 'total_deployments'],
      rows: [
        ...group(
          dep.filter((x) => x.environment === 'production' && within(x.startedAt, W.thisYear)),
          (x) => monthIso(x.startedAt),
        ),
      ].map(([k, g]) => [k, ...cfr(g)]),
    }),
  },
  {
    q: 'Work items by status',
    expect: ({ wi }) => ({
      columns: ['status', 'work_items'],
      rows: grouped(
        wi,
        (w) => w.status,
        (g) => g.length,
      ),
    }),
  },
  {
    q: 'Bugs labelled security by status',
    expect: ({ wi }) => ({
      columns: ['status', 'bugs'],
      rows: grouped(
        wi.filter((w) => w.type === 'bug' && w.labels.includes('security')),
        (w) => w.status,
        (g) => g.length,
      ),
    }),
  },
  {
    q: 'Average story points for stories by project',
    expect: ({ wi }) => ({
      columns: ['project', 'avg_story_points'],
      rows: grouped(
        wi.filter((w) => w.type === 'story'),
        (w) => w.project,
        (g) => mean(g.flatMap((w) => (w.storyPoints === null ? [] : [w.storyPoints]))),
      ),
    }),
  },
  {
    q: 'Median cycle time for incidents assigned to alice',
    expect: ({ wi }) => ({
      columns: ['median_cycle_time_hours'],
      rows: [
        [
          percentile(
            wi.filter((w) => w.type === 'incident' && w.assignee === 'alice' && isDone(w)).map(cycle),
            0.5,
          ),
        ],
      ],
    }),
  },
  {
    q: 'How many deploys of payments-api to production last month?',
    expect: ({ dep }) => ({
      columns: ['deployments'],
      rows: [
        [
          dep.filter(
            (x) =>
              x.service === 'payments-api' &&
              x.environment === 'production' &&
              within(x.startedAt, W.lastMonth),
          ).length,
        ],
      ],
    }),
  },
  {
    q: 'Unassigned bugs by priority',
    expect: ({ wi }) => ({
      columns: ['priority', 'unassigned_bugs'],
      rows: grouped(
        wi.filter((w) => w.type === 'bug' && w.assignee === null),
        (w) => w.priority,
        (g) => g.length,
      ),
    }),
  },
  {
    q: 'Which week had the most deploys?',
    expect: ({ dep }) => ({
      columns: ['week', 'deployments'],
      ordered: true,
      rows: ranked(
        grouped(
          dep,
          (x) => mondayIso(x.startedAt),
          (g) => g.length,
        ),
        1,
      ),
    }),
  },
  {
    q: 'What is the longest cycle time for bugs?',
    expect: ({ wi }) => ({
      columns: ['max_cycle_time_hours'],
      rows: [[Math.max(...wi.filter((w) => w.type === 'bug' && isDone(w)).map(cycle))]],
    }),
  },
  {
    q: 'Bugs by label',
    expect: ({ wi }) => ({
      columns: ['label', 'bugs'],
      rows: grouped(
        wi.filter((w) => w.type === 'bug').flatMap((w) => w.labels.map((label) => ({ label }))),
        (x) => x.label,
        (g) => g.length,
      ),
    }),
  },
  {
    q: 'PRs by reviewer',
    expect: ({ pr }) => ({
      columns: ['reviewer', 'pull_requests'],
      rows: grouped(
        pr.flatMap((p) => p.reviewers.map((reviewer) => ({ reviewer }))),
        (x) => x.reviewer,
        (g) => g.length,
      ),
    }),
  },
  {
    q: 'How many PRs did alice merge last month?',
    opts: { knownValues: { author: ['alice', 'bob', 'carol'] } },
    expect: ({ pr }) => ({
      columns: ['merged_pull_requests'],
      rows: [
        [
          pr.filter((p) => p.author === 'alice' && p.state === 'merged' && within(p.mergedAt, W.lastMonth))
            .length,
        ],
      ],
    }),
  },
  {
    q: 'Number of merged PRs by bob this year',
    expect: ({ pr }) => ({
      columns: ['merged_pull_requests'],
      rows: [
        [
          pr.filter((p) => p.author === 'bob' && p.state === 'merged' && within(p.mergedAt, W.thisYear))
            .length,
        ],
      ],
    }),
  },
  {
    q: 'Velocity per assignee last month',
    expect: ({ wi }) => ({
      columns: ['assignee', 'total_story_points_done'],
      rows: grouped(
        wi.filter((w) => isDone(w) && within(w.resolvedAt, W.lastMonth)),
        (w) => w.assignee,
        (g) => sumOrNull(g.map((w) => w.storyPoints)),
      ),
    }),
  },
  {
    q: 'PR throughput per week',
    expect: ({ pr }) => ({
      columns: ['week', 'merged_pull_requests'],
      rows: grouped(
        pr.filter(merged),
        (p) => mondayIso(p.mergedAt!),
        (g) => g.length,
      ),
    }),
  },
  {
    q: 'Lead time for changes for bugs',
    expect: (x) => ({
      columns: ['median_lead_time_hours'],
      rows: [
        [
          percentile(
            leadTimes(x, (_p, w) => w.type === 'bug'),
            0.5,
          ),
        ],
      ],
    }),
  },
  {
    q: 'Change failure rate in staging this year',
    expect: ({ dep }) => ({
      columns: ['change_failure_rate', 'failed_deployments', 'total_deployments'],
      rows: [cfr(dep.filter((x) => x.environment === 'staging' && within(x.startedAt, W.thisYear)))],
    }),
  },
  {
    q: 'How many bugs were resolved yesterday?',
    expect: ({ wi }) => ({
      columns: ['bugs_resolved'],
      rows: [[wi.filter((w) => w.type === 'bug' && isClosed(w) && within(w.resolvedAt, W.yesterday)).length]],
    }),
  },
  {
    q: 'how many defects were squashed last week',
    // "squashed" is not in the model; the similarity callback maps it to "resolved".
    opts: {
      similarity: (text, candidates) =>
        Promise.resolve(candidates.map((c) => (text === 'squashed' && c === 'resolved' ? 0.91 : 0.1))),
    },
    expect: ({ wi }) => ({
      columns: ['bugs_resolved'],
      rows: [[wi.filter((w) => w.type === 'bug' && isClosed(w) && within(w.resolvedAt, W.lastWeek)).length]],
    }),
  },
];

/** A pg value as compared: numbers from numeric/bigint strings, ISO strings from dates. */
export function normalizeCell(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  return JSON.stringify(v);
}

function close(a: Cell, b: Cell): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    // SQL rounds averages/percentiles to 2 decimals and rates to 4.
    return Math.abs(a - b) <= 0.0051 * Math.max(1, Math.abs(b) / 1e4);
  }
  return a === b;
}

function sortRows(rows: Cell[][], keyCols: number): Cell[][] {
  return [...rows].sort((x, y) => {
    const a = JSON.stringify(x.slice(0, keyCols));
    const b = JSON.stringify(y.slice(0, keyCols));
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

/**
 * Whether an answer's rows equal the expected ones: as a set unless the order matters, numbers within the
 * rounding the SQL applies. Returns both sides in comparable order for a readable failure message.
 */
export function compareRows(
  actual: Cell[][],
  expected: ExpectedAnswer,
): { equal: boolean; actual: Cell[][]; expected: Cell[][] } {
  const keyCols = expected.columns.length - (expected.columns.includes('change_failure_rate') ? 3 : 1);
  const a = expected.ordered ? actual : sortRows(actual, keyCols);
  const e = expected.ordered ? expected.rows : sortRows(expected.rows, keyCols);
  const equal = a.length === e.length && a.every((row, i) => row.every((cell, j) => close(cell, e[i][j])));
  return { equal, actual: a, expected: e };
}

/** One tenant's rows of a fixture. */
export function tenantData(fx: AnalyticsFixture, tenantId: string): TenantData {
  return {
    wi: fx.workItems.filter((w) => w.tenantId === tenantId),
    pr: fx.pullRequests.filter((p) => p.tenantId === tenantId),
    dep: fx.deployments.filter((x) => x.tenantId === tenantId),
  };
}
