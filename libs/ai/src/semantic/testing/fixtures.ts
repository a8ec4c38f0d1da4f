import { createHash } from 'node:crypto';
import type { ClientBase, Pool } from 'pg';
import { forgetChanges } from '../../sql/testing/tenant-fixtures';
import { SeededRandom } from '@app/common';

/**
 * Deterministic engineering-analytics data for semantic-layer tests: work items, pull requests (linked to work
 * items) and deployments for one or two tenants, spread over ~18 months before a fixed `now`. The same seed
 * always yields the same rows. Tenants share people, projects, repositories and external ids on purpose, so a
 * query that forgets the tenant predicate (or joins across tenants) gets different numbers.
 */

export interface FixtureTenant {
  id: string;
  slug: string;
  name: string;
  people: string[];
  projects: string[];
  repositories: string[];
  services: string[];
}

export interface FixtureWorkItem {
  tenantId: string;
  externalId: string;
  project: string;
  title: string;
  description: string | null;
  type: 'bug' | 'story' | 'task' | 'epic' | 'incident';
  status: 'todo' | 'in_progress' | 'in_review' | 'done' | 'cancelled';
  priority: 'lowest' | 'low' | 'medium' | 'high' | 'highest';
  assignee: string | null;
  reporter: string | null;
  storyPoints: number | null;
  labels: string[];
  createdAt: Date;
  updatedAt: Date;
  resolvedAt: Date | null;
}

export interface FixturePullRequest {
  tenantId: string;
  externalId: string;
  repository: string;
  title: string;
  description: string | null;
  author: string;
  state: 'open' | 'merged' | 'closed';
  reviewers: string[];
  additions: number;
  deletions: number;
  changedFiles: number;
  workItemKeys: string[];
  createdAt: Date;
  mergedAt: Date | null;
  closedAt: Date | null;
}

export interface FixtureDeployment {
  tenantId: string;
  externalId: string;
  service: string;
  environment: 'production' | 'staging' | 'development';
  status: 'success' | 'failed' | 'rolled_back';
  version: string;
  commitSha: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}

export interface AnalyticsFixture {
  now: Date;
  tenants: FixtureTenant[];
  workItems: FixtureWorkItem[];
  pullRequests: FixturePullRequest[];
  deployments: FixtureDeployment[];
}

export interface AnalyticsFixtureOptions {
  seed?: number;
  now?: Date;
  /** 1 or 2 tenants; the second is smaller and overlaps the first's names and ids. */
  tenants?: 1 | 2;
  /** Rows of each kind for the first tenant (the second gets about a third). */
  size?: { workItems?: number; pullRequests?: number; deployments?: number };
  /** Slug prefix, so several fixtures can live in one database. */
  slugPrefix?: string;
}

export const FIXTURE_NOW = new Date('2026-11-25T15:30:00.000Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The shared seeded PRNG plus the fixture's own draws (dates, ids). */
class Rand extends SeededRandom {
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** A timestamp with whole milliseconds, like timestamptz(3). */
  date(from: Date, to: Date): Date {
    return new Date(Math.floor(from.getTime() + this.next() * (to.getTime() - from.getTime())));
  }
  /** Denser towards `to`, as activity grows: recent windows ("last week") get enough rows to mean something. */
  recentDate(from: Date, to: Date): Date {
    return new Date(Math.floor(from.getTime() + Math.sqrt(this.next()) * (to.getTime() - from.getTime())));
  }
  uuid(): string {
    const hex = Array.from({ length: 32 }, () => this.int(0, 15).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }
  subset<T>(items: readonly T[], max: number): T[] {
    const n = this.int(0, max);
    const pool = [...items];
    const out: T[] = [];
    for (let i = 0; i < n && pool.length > 0; i += 1)
      out.push(pool.splice(Math.floor(this.next() * pool.length), 1)[0]);
    return out;
  }
}

const LABELS = ['security', 'frontend', 'backend', 'customer', 'tech-debt', 'performance'];
const TITLES = {
  bug: ['Checkout fails for saved cards', 'Null pointer in invoice export', 'Timezone off by one on reports'],
  story: ['Add Apple Pay to checkout', 'Self-serve refunds', 'Dark mode for dashboard'],
  task: ['Upgrade Node runtime', 'Rotate API credentials', 'Clean up feature flags'],
  epic: ['Payments platform v2', 'Onboarding revamp', 'Observability'],
  incident: ['Payment gateway latency spike', 'Login outage', 'Queue backlog in webhooks'],
} as const;

function tenantsFor(count: 1 | 2, rand: Rand, prefix: string): FixtureTenant[] {
  const a: FixtureTenant = {
    id: rand.uuid(),
    slug: `${prefix}-acme`,
    name: 'Acme Payments',
    people: ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'],
    projects: ['PAY', 'WEB', 'OPS'],
    repositories: ['payments-api', 'web-app', 'infra'],
    services: ['payments-api', 'web-app', 'auth-service'],
  };
  const b: FixtureTenant = {
    id: rand.uuid(),
    slug: `${prefix}-globex`,
    name: 'Globex',
    people: ['alice', 'bob', 'grace', 'heidi'],
    projects: ['PAY', 'CORE'],
    repositories: ['payments-api', 'core-lib'],
    services: ['payments-api', 'core-lib'],
  };
  return count === 2 ? [a, b] : [a];
}

export function createAnalyticsFixture(options: AnalyticsFixtureOptions = {}): AnalyticsFixture {
  const rand = new Rand(options.seed ?? 42);
  const now = options.now ?? FIXTURE_NOW;
  const from = new Date(now.getTime() - 540 * DAY);
  const tenants = tenantsFor(options.tenants ?? 2, rand, options.slugPrefix ?? `fx${options.seed ?? 42}`);
  const workItems: FixtureWorkItem[] = [];
  const pullRequests: FixturePullRequest[] = [];
  const deployments: FixtureDeployment[] = [];

  tenants.forEach((tenant, ti) => {
    const scale = ti === 0 ? 1 : 1 / 3;
    const nWork = Math.round((options.size?.workItems ?? 900) * scale);
    const nPr = Math.round((options.size?.pullRequests ?? 600) * scale);
    const nDeploy = Math.round((options.size?.deployments ?? 450) * scale);
    const counters = new Map<string, number>();
    const nextKey = (prefix: string, sep: string) => {
      const n = (counters.get(prefix) ?? 0) + 1;
      counters.set(prefix, n);
      return `${prefix}${sep}${n}`;
    };

    const items: FixtureWorkItem[] = [];
    for (let i = 0; i < nWork; i += 1) {
      const type = rand.weighted({ bug: 30, story: 35, task: 20, incident: 8, epic: 7 });
      const project = rand.pick(tenant.projects);
      const createdAt = rand.recentDate(from, new Date(now.getTime() - HOUR));
      const cycleHours = Math.min(rand.logNormal(type === 'incident' ? 10 : 70, 1.1), 150 * 24);
      let resolvedAt: Date | null = new Date(createdAt.getTime() + Math.round(cycleHours * HOUR));
      let status: FixtureWorkItem['status'];
      if (resolvedAt > now || rand.chance(0.08)) {
        resolvedAt = null;
        status = rand.weighted({ todo: 5, in_progress: 3, in_review: 2 });
      } else {
        status = rand.chance(0.86) ? 'done' : 'cancelled';
      }
      const points =
        type === 'incident'
          ? null
          : type === 'bug'
            ? rand.chance(0.5)
              ? rand.pick([1, 2, 3])
              : null
            : rand.chance(0.85)
              ? rand.pick([1, 2, 3, 5, 8, 13])
              : null;
      items.push({
        tenantId: tenant.id,
        externalId: nextKey(project, '-'),
        project,
        title: rand.pick(TITLES[type]),
        description: rand.chance(0.7) ? `Details for ${type} in ${project}` : null,
        type,
        status,
        priority: rand.weighted({ lowest: 5, low: 20, medium: 40, high: 25, highest: 10 }),
        assignee: rand.chance(0.08) ? null : rand.pick(tenant.people),
        reporter: rand.chance(0.1) ? null : rand.pick(tenant.people),
        storyPoints: points,
        labels: rand.subset(LABELS, 2),
        createdAt,
        updatedAt:
          resolvedAt ?? new Date(Math.min(now.getTime(), createdAt.getTime() + rand.int(0, 72) * HOUR)),
        resolvedAt,
      });
    }
    if (ti === 0) {
      // Window edges: resolved exactly at the start of last week (inside "last week") and exactly at the start
      // of this week (outside it), so an off-by-one in half-open windows changes the answer.
      const edge = (at: string, type: FixtureWorkItem['type'], assignee: string) =>
        items.push({
          tenantId: tenant.id,
          externalId: nextKey('PAY', '-'),
          project: 'PAY',
          title: 'Edge case',
          description: null,
          type,
          status: 'done',
          priority: 'high',
          assignee,
          reporter: 'alice',
          storyPoints: 3,
          labels: ['security'],
          createdAt: new Date(new Date(at).getTime() - 30 * HOUR),
          updatedAt: new Date(at),
          resolvedAt: new Date(at),
        });
      edge('2026-11-16T00:00:00.000Z', 'bug', 'alice');
      edge('2026-11-23T00:00:00.000Z', 'bug', 'bob');
      edge('2026-11-01T00:00:00.000Z', 'story', 'carol');
      edge('2026-10-31T23:59:59.999Z', 'story', 'carol');
    }
    workItems.push(...items);

    const byCreated = [...items].sort((x, y) => x.createdAt.getTime() - y.createdAt.getTime());
    for (let i = 0; i < nPr; i += 1) {
      const repository = rand.pick(tenant.repositories);
      const author = rand.pick(tenant.people);
      const createdAt = rand.recentDate(from, new Date(now.getTime() - HOUR));
      const mergeAt = new Date(createdAt.getTime() + Math.round(rand.logNormal(20, 1.0) * HOUR));
      let state: FixturePullRequest['state'] = rand.weighted({ merged: 72, closed: 10, open: 18 });
      if (state === 'merged' && mergeAt > now) state = 'open';
      const closedAt =
        state === 'closed'
          ? new Date(Math.min(now.getTime() - 1, createdAt.getTime() + rand.int(1, 200) * HOUR))
          : null;
      const linkable = byCreated.filter(
        (w) => w.createdAt < createdAt && w.createdAt.getTime() > createdAt.getTime() - 60 * DAY,
      );
      const keys: string[] = [];
      if (linkable.length > 0 && rand.chance(0.6)) {
        keys.push(rand.pick(linkable).externalId);
        if (rand.chance(0.3)) keys.push(rand.pick(linkable).externalId);
      }
      if (rand.chance(0.05)) keys.push('ZZZ-404');
      pullRequests.push({
        tenantId: tenant.id,
        externalId: nextKey(repository, '#'),
        repository,
        title: `Change ${i} in ${repository}`,
        description: rand.chance(0.5) ? 'Implements the linked work item' : null,
        author,
        state,
        reviewers: rand.subset(
          tenant.people.filter((p) => p !== author),
          3,
        ),
        additions: Math.round(rand.logNormal(80, 1.2)),
        deletions: Math.round(rand.logNormal(30, 1.2)),
        changedFiles: rand.int(1, 30),
        workItemKeys: [...new Set(keys)],
        createdAt,
        mergedAt: state === 'merged' ? mergeAt : null,
        closedAt: state === 'merged' ? mergeAt : closedAt,
      });
    }

    for (let i = 0; i < nDeploy; i += 1) {
      const service = rand.pick(tenant.services);
      const startedAt = rand.recentDate(from, new Date(now.getTime() - HOUR));
      deployments.push({
        tenantId: tenant.id,
        externalId: nextKey(`deploy-${service}`, '-'),
        service,
        environment: rand.weighted({ production: 55, staging: 35, development: 10 }),
        status: rand.weighted({ success: 80, failed: 12, rolled_back: 8 }),
        version: `v1.${i}.0`,
        commitSha: rand.chance(0.9) ? createHash('sha1').update(`${tenant.id}${i}`).digest('hex') : null,
        startedAt,
        finishedAt: rand.chance(0.05) ? null : new Date(startedAt.getTime() + rand.int(90, 2400) * 1000),
      });
    }
  });

  return { now, tenants, workItems, pullRequests, deployments };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** Inserts rows keyed by column name in one statement; the first row names the columns. */
async function insertRows(
  db: Pool | ClientBase,
  table: 'work_items' | 'pull_requests' | 'deployments',
  rows: Record<string, unknown>[],
): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]).join(', ');
  await db.query(
    `INSERT INTO ${table} (${columns}) SELECT ${columns} FROM jsonb_populate_recordset(NULL::${table}, $1::jsonb)`,
    [JSON.stringify(rows)],
  );
}

/** Inserts the tenants and their rows into the real tables (one statement per table). */
export async function insertAnalyticsFixture(db: Pool | ClientBase, fx: AnalyticsFixture): Promise<void> {
  for (const t of fx.tenants) {
    await db.query('INSERT INTO tenants (id, slug, name) VALUES ($1, $2, $3)', [t.id, t.slug, t.name]);
  }
  const work = fx.workItems.map((w) => ({
    tenant_id: w.tenantId,
    external_id: w.externalId,
    project: w.project,
    title: w.title,
    description: w.description,
    type: w.type,
    status: w.status,
    priority: w.priority,
    assignee: w.assignee,
    reporter: w.reporter,
    story_points: w.storyPoints,
    labels: w.labels,
    created_at: iso(w.createdAt),
    updated_at: iso(w.updatedAt),
    resolved_at: iso(w.resolvedAt),
  }));
  await insertRows(db, 'work_items', work);
  const prs = fx.pullRequests.map((p) => ({
    tenant_id: p.tenantId,
    external_id: p.externalId,
    repository: p.repository,
    title: p.title,
    description: p.description,
    author: p.author,
    state: p.state,
    reviewers: p.reviewers,
    additions: p.additions,
    deletions: p.deletions,
    changed_files: p.changedFiles,
    work_item_keys: p.workItemKeys,
    created_at: iso(p.createdAt),
    merged_at: iso(p.mergedAt),
    closed_at: iso(p.closedAt),
  }));
  await insertRows(db, 'pull_requests', prs);
  const deps = fx.deployments.map((d) => ({
    tenant_id: d.tenantId,
    external_id: d.externalId,
    service: d.service,
    environment: d.environment,
    status: d.status,
    version: d.version,
    commit_sha: d.commitSha,
    started_at: iso(d.startedAt),
    finished_at: iso(d.finishedAt),
  }));
  await insertRows(db, 'deployments', deps);
  await forgetChanges(
    db,
    fx.tenants.map((t) => t.id),
  );
}

/** Removes everything insertAnalyticsFixture wrote. */
export async function deleteAnalyticsFixture(db: Pool | ClientBase, fx: AnalyticsFixture): Promise<void> {
  const ids = fx.tenants.map((t) => t.id);
  for (const table of ['work_items', 'pull_requests', 'deployments', 'tenants']) {
    const col = table === 'tenants' ? 'id' : 'tenant_id';
    await db.query(`DELETE FROM ${table} WHERE ${col} = ANY($1::uuid[])`, [ids]);
  }
  await forgetChanges(db, ids);
}
