/**
 * A seeded issue-tracker organisation for the answer bench: work items, pull requests and deployments over the
 * ~18 months before NOW, as the plain rows the ETL accepts. Pure and deterministic: the same seed gives the same
 * rows on every machine, and the question bank computes its truth from these rows alone.
 */
import { SeededRandom } from '@app/common';

export interface WorkItemRow {
  externalId: string;
  project: string;
  title: string;
  description: string;
  type: 'bug' | 'story' | 'task' | 'epic' | 'incident';
  status: 'todo' | 'in_progress' | 'in_review' | 'done' | 'cancelled';
  priority: 'lowest' | 'low' | 'medium' | 'high' | 'highest';
  assignee: string | null;
  reporter: string;
  storyPoints: number | null;
  labels: string[];
  createdAt: string;
  updatedAt: string;
  resolvedAt: string | null;
}

export interface PullRequestRow {
  externalId: string;
  repository: string;
  title: string;
  description: string;
  author: string;
  state: 'open' | 'merged' | 'closed';
  reviewers: string[];
  additions: number;
  deletions: number;
  changedFiles: number;
  workItemKeys: string[];
  createdAt: string;
  mergedAt: string | null;
  closedAt: string | null;
}

export interface DeploymentRow {
  externalId: string;
  service: string;
  environment: 'production' | 'staging' | 'development';
  status: 'success' | 'failed' | 'rolled_back';
  version: string;
  commitSha: string;
  startedAt: string;
  finishedAt: string;
}

export interface AnswerDataset {
  workItems: WorkItemRow[];
  pullRequests: PullRequestRow[];
  deployments: DeploymentRow[];
}

export interface OrgProfile {
  seed: number;
  projects: Record<string, { repository: string; service: string; nouns: string[] }>;
  people: string[];
  size: { workItems: number; pullRequests: number; deployments: number };
}

/**
 * NOW is a midnight, and nothing happens on its day, so "older than 30 days" means the same measured from the
 * instant or from the start of today.
 */
export const BENCH_NOW = new Date('2026-11-18T00:00:00.000Z');

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SPAN_DAYS = 540;

/** The tenant the bank asks about. Surnames are unique; no name is a project key. */
export const ACME: OrgProfile = {
  seed: 1307,
  projects: {
    PAY: {
      repository: 'payments-api',
      service: 'payments-api',
      nouns: ['checkout', 'payment retries', 'refund flow', 'invoice export', 'card vault'],
    },
    WEB: {
      repository: 'web-frontend',
      service: 'web',
      nouns: ['login page', 'search results', 'cart drawer', 'checkout button', 'product page'],
    },
    OPS: {
      repository: 'infra-tools',
      service: 'ops-gateway',
      nouns: ['alerting rules', 'backup job', 'TLS certificates', 'kubernetes nodes', 'log shipping'],
    },
    DATA: {
      repository: 'data-pipeline',
      service: 'data-ingest',
      nouns: ['nightly export', 'warehouse schema', 'kafka consumer', 'revenue dashboard', 'event dedup'],
    },
  },
  people: [
    'Daniel Ward',
    'Priya Shah',
    'Marcus Chen',
    'Sofia Romero',
    'Aisha Okoro',
    'Tom Becker',
    'Elena Petrova',
    'Noah Fischer',
    'Hannah Lee',
    'Omar Haddad',
    'Grace Kim',
    'Lucas Silva',
  ],
  size: { workItems: 1200, pullRequests: 500, deployments: 320 },
};

/** A second tenant sharing some project keys and names, so any leak between tenants changes an answer. */
export const GLOBEX: OrgProfile = {
  seed: 4242,
  projects: {
    PAY: {
      repository: 'billing-core',
      service: 'billing',
      nouns: ['checkout', 'tax rules', 'payment page', 'dunning emails'],
    },
    HR: {
      repository: 'people-portal',
      service: 'portal',
      nouns: ['login page', 'leave requests', 'payroll export', 'org chart'],
    },
  },
  people: ['Daniel Ward', 'Zoe Marsh', 'Ivan Petrov', 'Lena Vogel', 'Ravi Kumar', 'Chloe Martin'],
  size: { workItems: 400, pullRequests: 150, deployments: 100 },
};

const TYPE_WEIGHTS = { story: 35, task: 25, bug: 28, incident: 6, epic: 6 } as const;
const PRIORITY_WEIGHTS = { lowest: 6, low: 20, medium: 42, high: 22, highest: 10 } as const;
const CYCLE_DAYS: Record<WorkItemRow['type'], number> = {
  story: 7,
  task: 3,
  bug: 4,
  incident: 0.6,
  epic: 40,
};
const LABELS = [
  'frontend',
  'backend',
  'security',
  'customer-facing',
  'tech-debt',
  'performance',
  'regression',
];
const TITLES: Record<WorkItemRow['type'], string[]> = {
  bug: [
    '{noun} fails for returning customers',
    '{noun} shows a blank screen on Safari',
    'Timeout in {noun} under load',
    'Wrong totals in {noun}',
  ],
  story: ['Redesign {noun}', 'Let admins configure {noun}', 'Add analytics events to {noun}'],
  task: ['Upgrade dependencies of {noun}', 'Write runbook for {noun}', 'Add tests for {noun}'],
  epic: ['Rebuild {noun}', '{noun} v2'],
  incident: ['Outage of {noun}', '{noun} degraded for 20 minutes'],
};
const DETAILS = [
  'Reported by support; customers see it daily.',
  'Found in staging while testing the release.',
  'Follow-up from the last retro.',
  'Blocks the quarterly roadmap.',
];
const PR_TITLES = ['Fix {noun} edge case', 'Refactor {noun}', 'Speed up {noun}', 'Add tests for {noun}'];

const iso = (ms: number) => new Date(ms).toISOString();
const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** A timestamp in the span before NOW, never on NOW's own day (see BENCH_NOW). */
function pastInstant(rnd: SeededRandom, now: number, maxDays = SPAN_DAYS): number {
  return now - DAY - rnd.next() * (maxDays - 1) * DAY;
}

export function generateAnswerDataset(profile: OrgProfile, now: Date = BENCH_NOW): AnswerDataset {
  const rnd = new SeededRandom(profile.seed);
  const end = now.getTime() - DAY; // the last instant anything may happen (see BENCH_NOW)
  const projects = Object.keys(profile.projects);
  const counters = new Map(projects.map((p) => [p, 0]));
  const workItems: WorkItemRow[] = [];
  for (let i = 0; i < profile.size.workItems; i++) {
    const project = rnd.pick(projects);
    const n = counters.get(project)! + 1;
    counters.set(project, n);
    const type = rnd.weighted(TYPE_WEIGHTS);
    const priority =
      type === 'incident' ? rnd.weighted({ high: 60, highest: 40 }) : rnd.weighted(PRIORITY_WEIGHTS);
    const noun = rnd.pick(profile.projects[project].nouns);
    // Recent months are busier, as in a growing team.
    const created = now.getTime() - DAY - Math.pow(rnd.next(), 1.4) * (SPAN_DAYS - 1) * DAY;
    const cycle = rnd.logNormal(CYCLE_DAYS[type], 0.9) * DAY;
    const resolvedMs = created + cycle;
    const resolved = resolvedMs < end && rnd.next() < 0.92;
    const status = resolved
      ? rnd.next() < 0.08
        ? 'cancelled'
        : 'done'
      : rnd.weighted({ todo: 40, in_progress: 40, in_review: 20 });
    const assignee = rnd.next() < (status === 'todo' ? 0.3 : 0.06) ? null : rnd.pick(profile.people);
    const labels = LABELS.filter(() => rnd.next() < 0.18);
    const updated = resolved
      ? resolvedMs + rnd.next() * Math.min(3 * DAY, end - resolvedMs)
      : created + rnd.next() * (end - created);
    workItems.push({
      externalId: `${project}-${n}`,
      project,
      title: capital(rnd.pick(TITLES[type]).replace('{noun}', noun)),
      description: `${rnd.pick(DETAILS)} Area: ${noun}.`,
      type,
      status,
      priority,
      assignee,
      reporter: rnd.pick(profile.people),
      storyPoints:
        type === 'epic' || type === 'incident' || rnd.next() < 0.15 ? null : rnd.pick([1, 2, 3, 5, 8, 13]),
      labels,
      createdAt: iso(created),
      updatedAt: iso(updated),
      resolvedAt: resolved ? iso(resolvedMs) : null,
    });
  }

  const pullRequests: PullRequestRow[] = [];
  const prNumbers = new Map<string, number>();
  for (let i = 0; i < profile.size.pullRequests; i++) {
    const project = rnd.pick(projects);
    const { repository, nouns } = profile.projects[project];
    const number = (prNumbers.get(repository) ?? 0) + 1;
    prNumbers.set(repository, number);
    const author = rnd.pick(profile.people);
    const created = pastInstant(rnd, now.getTime());
    const took = rnd.logNormal(22, 1.1) * HOUR;
    const state =
      created + took > end || rnd.next() < 0.06 ? 'open' : rnd.weighted({ merged: 88, closed: 12 });
    const size = Math.max(2, Math.round(rnd.logNormal(140, 1.2)));
    const reviewers = profile.people.filter((p) => p !== author && rnd.next() < 0.22).slice(0, 3);
    const items = workItems.filter((w) => w.project === project);
    const linked = rnd.next() < 0.6 && items.length > 0 ? [rnd.pick(items).externalId] : [];
    pullRequests.push({
      externalId: `${repository}#${number}`,
      repository,
      title: rnd.pick(PR_TITLES).replace('{noun}', rnd.pick(nouns)),
      description: `Changes the ${rnd.pick(nouns)}. ${rnd.pick(['No migration needed.', 'Load tested in staging.'])}`,
      author,
      state,
      reviewers,
      additions: Math.round(size * (0.5 + rnd.next() * 0.4)),
      deletions: 0,
      changedFiles: Math.max(1, Math.round(size / (20 + rnd.next() * 40))),
      workItemKeys: linked,
      createdAt: iso(created),
      mergedAt: state === 'merged' ? iso(created + took) : null,
      closedAt: state === 'closed' ? iso(created + took) : null,
    });
    const pr = pullRequests[pullRequests.length - 1];
    pr.deletions = size - pr.additions;
  }

  const deployments: DeploymentRow[] = [];
  const versions = new Map<string, number>();
  const total = profile.size.deployments;
  for (let i = 0; i < total; i++) {
    const service = profile.projects[rnd.pick(projects)].service;
    const minor = (versions.get(service) ?? 0) + 1;
    versions.set(service, minor);
    // Spread evenly over the span with jitter, in time order per index.
    const started =
      end - (total - i - 0.5) * (((SPAN_DAYS - 2) * DAY) / total) + (rnd.next() - 0.5) * 6 * HOUR;
    deployments.push({
      externalId: `${service}-deploy-${minor}`,
      service,
      environment: rnd.weighted({ production: 55, staging: 33, development: 12 }),
      status: rnd.weighted({ success: 80, failed: 13, rolled_back: 7 }),
      version: `1.${minor}.${rnd.int(0, 4)}`,
      commitSha: Math.floor(rnd.next() * 0xffffffffff)
        .toString(16)
        .padStart(10, '0'),
      startedAt: iso(Math.min(started, end - HOUR)),
      finishedAt: iso(Math.min(started, end - HOUR) + rnd.logNormal(8, 0.5) * 60_000),
    });
  }
  return { workItems, pullRequests, deployments };
}

/** The rows as the ETL API takes them: optional fields left out rather than null. */
export function toEtlRecords(rows: object[]): Record<string, unknown>[] {
  return rows.map((row) => Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null)));
}
