import { SeededRandom } from '@app/common';

/**
 * A generated but believable engineering organisation: projects with their own vocabulary, people with
 * specialities, cycle times that depend on type and priority, PRs linked to the work they close, and a
 * deployment history with occasional failures and rollbacks.
 */
export interface DemoDataset {
  workItems: Record<string, unknown>[];
  pullRequests: Record<string, unknown>[];
  deployments: Record<string, unknown>[];
}

export interface DemoOptions {
  seed?: number;
  workItems?: number;
  pullRequests?: number;
  deployments?: number;
  /** The dataset spans the year before this moment (default: the start of today, UTC, so reruns on one day match). */
  now?: Date;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const PROJECTS = {
  PAY: {
    repo: 'payments-api',
    service: 'payments-api',
    nouns: [
      'checkout',
      'refund flow',
      'card vault',
      'payment retries',
      'invoice PDF',
      'currency conversion',
      'Stripe webhook',
      'fraud scoring',
    ],
  },
  WEB: {
    repo: 'storefront-web',
    service: 'storefront',
    nouns: [
      'product page',
      'search results',
      'cart drawer',
      'login form',
      'image carousel',
      'checkout button',
      'SEO metadata',
      'dark mode',
    ],
  },
  MOB: {
    repo: 'mobile-app',
    service: 'mobile-bff',
    nouns: [
      'push notifications',
      'offline mode',
      'onboarding screens',
      'biometric login',
      'deep links',
      'order history screen',
      'app startup',
      'crash reporting',
    ],
  },
  DATA: {
    repo: 'data-pipeline',
    service: 'ingest-worker',
    nouns: [
      'nightly ETL job',
      'Kafka consumer',
      'warehouse schema',
      'dbt models',
      'event deduplication',
      'CDC connector',
      'retention policy',
      'metrics rollup',
    ],
  },
  INFRA: {
    repo: 'platform-infra',
    service: 'api-gateway',
    nouns: [
      'Kubernetes node pool',
      'Terraform state',
      'TLS certificates',
      'load balancer',
      'Postgres failover',
      'Redis cluster',
      'CI runners',
      'log shipping',
    ],
  },
  SEC: {
    repo: 'auth-service',
    service: 'auth-service',
    nouns: [
      'SSO login',
      'password reset',
      'API token rotation',
      'audit log',
      'rate limiter',
      'session expiry',
      'MFA enrolment',
      'dependency CVE',
    ],
  },
} as const;
type Project = keyof typeof PROJECTS;

const PEOPLE = [
  'alice.nguyen',
  'bob.martins',
  'carla.souza',
  'dan.okafor',
  'elena.petrova',
  'farid.haddad',
  'grace.kim',
  'hugo.lefevre',
  'ines.garcia',
  'jonas.berg',
  'kemi.adeyemi',
  'liam.walsh',
  'maya.cohen',
  'nils.larsen',
  'olga.ivanova',
  'pavel.novak',
  'quinn.taylor',
  'rosa.mendes',
  'sam.chen',
  'tara.singh',
  'umar.farouk',
  'vera.klein',
  'wes.turner',
  'yuki.tanaka',
];

const BUG_PATTERNS = [
  '{noun} returns 500 when the request has no locale',
  '{noun} times out under peak load',
  '{noun} shows stale data after an update',
  'Race condition in {noun} creates duplicate rows',
  '{noun} leaks memory after a long session',
  'Null pointer in {noun} when the user has no address',
  '{noun} fails on Safari 17',
  'Timezone bug in {noun} around daylight saving',
];
const BUG_DETAILS = [
  'Reproducible in staging. Stack trace points at the retry wrapper; logs show the connection pool exhausted.',
  'Customers reported this through support (3 tickets this week). Happens only for accounts created before the migration.',
  'Sentry shows a spike since the last release. Rolling back the feature flag hides it but does not fix the root cause.',
  'p95 latency jumps from 300 ms to 4 s. Flame graph shows time spent serialising a large JSON payload.',
];
const STORY_PATTERNS = [
  'As a customer I can save {noun} preferences',
  'Redesign {noun} for the new brand guidelines',
  'Add analytics events to {noun}',
  'Support multiple currencies in {noun}',
  'Make {noun} accessible (WCAG AA)',
  'Let admins configure {noun} per workspace',
];
const TASK_PATTERNS = [
  'Upgrade dependencies of {noun}',
  'Write runbook for {noun}',
  'Add integration tests for {noun}',
  'Remove the deprecated {noun} endpoint',
  'Migrate {noun} to the new config service',
  'Document the {noun} API',
];
const INCIDENT_PATTERNS = [
  'SEV2: {noun} unavailable for 25 minutes',
  'SEV1: {noun} outage during Black Friday traffic',
  'SEV3: degraded {noun} latency in eu-west-1',
  'SEV2: {noun} dropping messages after deploy',
];
const EPIC_PATTERNS = [
  'Rebuild {noun}',
  '{noun} v2',
  'Scale {noun} to 10x traffic',
  'Harden {noun} for SOC 2',
];
const PR_PATTERNS = [
  'Fix {noun} timeout handling',
  'Refactor {noun} module',
  'Add tests for {noun}',
  'Bump {noun} dependencies',
  'Implement {noun} behind a feature flag',
  'Speed up {noun} queries',
  'Clean up {noun} logging',
];

const TYPE_WEIGHTS = { story: 40, task: 25, bug: 25, incident: 5, epic: 5 } as const;
const PRIORITY_WEIGHTS = { lowest: 5, low: 20, medium: 45, high: 22, highest: 8 } as const;
/** Median cycle time in days by type. */
const CYCLE_DAYS: Record<string, number> = { story: 6, task: 3, bug: 2.5, incident: 0.4, epic: 35 };

function fill(pattern: string, noun: string): string {
  const text = pattern.replace('{noun}', noun);
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function generateDemoDataset(options: DemoOptions = {}): DemoDataset {
  const rnd = new SeededRandom(options.seed ?? 42);
  const now = options.now?.getTime() ?? Math.floor(Date.now() / DAY) * DAY;
  const projects = Object.keys(PROJECTS) as Project[];
  const owners = new Map<Project, string[]>(
    projects.map((p, i) => [p, PEOPLE.slice((i * 4) % PEOPLE.length, ((i * 4) % PEOPLE.length) + 6)]),
  );
  const counters = new Map<Project, number>(projects.map((p) => [p, 100]));

  const workItems: Record<string, unknown>[] = [];
  const doneByProject = new Map<Project, string[]>(projects.map((p) => [p, []]));
  for (let i = 0; i < (options.workItems ?? 10_000); i++) {
    const project = rnd.pick(projects);
    const key = `${project}-${counters.get(project)! + 1}`;
    counters.set(project, counters.get(project)! + 1);
    const type = rnd.weighted(TYPE_WEIGHTS);
    const priority =
      type === 'incident' ? rnd.weighted({ high: 50, highest: 50 }) : rnd.weighted(PRIORITY_WEIGHTS);
    const noun = rnd.pick(PROJECTS[project].nouns);
    const patterns = {
      bug: BUG_PATTERNS,
      story: STORY_PATTERNS,
      task: TASK_PATTERNS,
      incident: INCIDENT_PATTERNS,
      epic: EPIC_PATTERNS,
    }[type];
    const title = fill(rnd.pick(patterns), noun);
    const description =
      type === 'bug' || type === 'incident'
        ? `${rnd.pick(BUG_DETAILS)} Affects the ${noun} in ${project}.`
        : `Scope: ${noun}. Acceptance criteria: behaviour covered by tests, dashboards updated, rollout behind a flag.`;
    const createdAt = now - rnd.next() * 365 * DAY;
    const priorityFactor = { lowest: 2, low: 1.5, medium: 1, high: 0.7, highest: 0.4 }[priority];
    const cycleMs = rnd.logNormal(CYCLE_DAYS[type] * priorityFactor, 0.8) * DAY;
    const resolvedAtMs = createdAt + cycleMs;
    const resolved = resolvedAtMs < now;
    const status = resolved
      ? rnd.next() < 0.06
        ? 'cancelled'
        : 'done'
      : rnd.weighted({ todo: 35, in_progress: 45, in_review: 20 });
    const assignee = status === 'todo' && rnd.next() < 0.4 ? undefined : rnd.pick(owners.get(project)!);
    const item: Record<string, unknown> = {
      externalId: key,
      project,
      title,
      description,
      type,
      status,
      priority,
      ...(assignee ? { assignee } : {}),
      reporter: rnd.pick(PEOPLE),
      ...(type === 'story' || type === 'task' ? { storyPoints: rnd.pick([1, 2, 3, 5, 8, 13]) } : {}),
      labels: [
        project.toLowerCase(),
        ...(type === 'incident' ? ['on-call'] : []),
        ...(rnd.next() < 0.2 ? ['tech-debt'] : []),
      ],
      createdAt: new Date(createdAt).toISOString(),
      updatedAt: new Date(
        resolved ? resolvedAtMs : Math.min(now, createdAt + rnd.next() * cycleMs),
      ).toISOString(),
      ...(resolved ? { resolvedAt: new Date(resolvedAtMs).toISOString() } : {}),
    };
    workItems.push(item);
    if (status === 'done') doneByProject.get(project)!.push(key);
  }

  const pullRequests: Record<string, unknown>[] = [];
  const prNumbers = new Map<string, number>();
  for (let i = 0; i < (options.pullRequests ?? 3_000); i++) {
    const project = rnd.pick(projects);
    const repo = PROJECTS[project].repo;
    const number = (prNumbers.get(repo) ?? 200) + 1;
    prNumbers.set(repo, number);
    const noun = rnd.pick(PROJECTS[project].nouns);
    const author = rnd.pick(owners.get(project)!);
    const createdAt = now - rnd.next() * 360 * DAY;
    const mergeMs = rnd.logNormal(20, 1.1) * HOUR;
    const state = createdAt + mergeMs > now ? 'open' : rnd.weighted({ merged: 90, closed: 10 });
    const size = Math.round(rnd.logNormal(120, 1.2));
    const linked = doneByProject.get(project)!;
    pullRequests.push({
      externalId: `${repo}#${number}`,
      repository: repo,
      title: fill(rnd.pick(PR_PATTERNS), noun),
      description: `Changes the ${noun}. ${rnd.pick(['No migration needed.', 'Includes a backfill script.', 'Feature flag: on for internal users first.', 'Load tested in staging.'])}`,
      author,
      state,
      reviewers: [rnd.pick(owners.get(project)!.filter((p) => p !== author))],
      additions: Math.round(size * 0.7),
      deletions: Math.round(size * 0.3),
      changedFiles: Math.max(1, Math.round(size / 40)),
      workItemKeys: linked.length > 0 && rnd.next() < 0.7 ? [rnd.pick(linked)] : [],
      createdAt: new Date(createdAt).toISOString(),
      ...(state === 'merged' ? { mergedAt: new Date(createdAt + mergeMs).toISOString() } : {}),
      ...(state === 'closed' ? { closedAt: new Date(createdAt + mergeMs).toISOString() } : {}),
    });
  }

  const deployments: Record<string, unknown>[] = [];
  const versions = new Map<string, number>();
  const total = options.deployments ?? 1_000;
  for (let i = 0; i < total; i++) {
    const project = rnd.pick(projects);
    const service = PROJECTS[project].service;
    const minor = (versions.get(service) ?? 0) + 1;
    versions.set(service, minor);
    const environment = rnd.weighted({ production: 50, staging: 35, development: 15 });
    const status = rnd.weighted({ success: 88, failed: 8, rolled_back: 4 });
    const startedAt = now - (total - i) * ((365 * DAY) / total) - rnd.next() * HOUR;
    deployments.push({
      externalId: `${service}-deploy-${minor}`,
      service,
      environment,
      status,
      version: `2.${minor}.${rnd.int(0, 3)}`,
      commitSha: Math.floor(rnd.next() * 0xffffffffff)
        .toString(16)
        .padStart(10, '0'),
      startedAt: new Date(startedAt).toISOString(),
      finishedAt: new Date(startedAt + rnd.logNormal(6, 0.5) * 60_000).toISOString(),
    });
  }
  return { workItems, pullRequests, deployments };
}
