import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';

export interface TenantFixture {
  id: string;
  slug: string;
  /** Appears in every text value of this tenant's rows, so a leaked row is easy to spot in any output. */
  marker: string;
  counts: { work_items: number; pull_requests: number; deployments: number };
}

export interface TwoTenants {
  a: TenantFixture;
  b: TenantFixture;
  cleanup: () => Promise<void>;
}

// Shared between tenants on purpose: joins on these values would pair rows of different tenants if a
// tenant filter were missing anywhere.
const GROUPS = ['core', 'web', 'data'];
const PEOPLE = ['ann', 'bob'];

async function createTenant(pool: Pool, label: string, rows: number): Promise<TenantFixture> {
  const suffix = randomBytes(4).toString('hex');
  const slug = `sqlguard-${label}-${suffix}`;
  const marker = `${label.toUpperCase()}${suffix}`;
  const {
    rows: [{ id }],
  } = await pool.query<{ id: string }>('INSERT INTO tenants (slug, name) VALUES ($1, $2) RETURNING id', [
    slug,
    `SQL guard tenant ${label}`,
  ]);
  for (let i = 0; i < rows; i++) {
    const group = GROUPS[i % GROUPS.length];
    const person = PEOPLE[i % PEOPLE.length];
    const created = new Date(Date.UTC(2024, 0, 1 + i)).toISOString();
    // Every other pull request shares a timestamp with a work item, so joins on it leave unmatched rows.
    const prCreated = new Date(Date.UTC(2024, 0, 1 + 2 * i)).toISOString();
    const resolved = i % 2 === 0 ? new Date(Date.UTC(2024, 0, 3 + i)).toISOString() : null;
    await pool.query(
      `INSERT INTO work_items (tenant_id, external_id, project, title, description, type, status, priority,
         assignee, reporter, story_points, labels, created_at, updated_at, resolved_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'medium', $8, $8, $9, $10, $11, $11, $12)`,
      [
        id,
        `${marker}-WI-${i}`,
        group,
        `${marker}:wi:${i}`,
        `secret description of ${marker}`,
        i % 3 === 0 ? 'bug' : 'story',
        resolved ? 'done' : 'in_progress',
        person,
        i + 1,
        [`${marker}-label`],
        created,
        resolved,
      ],
    );
    await pool.query(
      `INSERT INTO pull_requests (tenant_id, external_id, repository, title, author, state, reviewers,
         additions, deletions, changed_files, work_item_keys, created_at, merged_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $11, $12)`,
      [
        id,
        `${marker}-PR-${i}`,
        group,
        `${marker}:pr:${i}`,
        person,
        i % 2 === 0 ? 'merged' : 'open',
        [person],
        (i + 1) * 10,
        i,
        [`${marker}-WI-${i}`],
        prCreated,
        i % 2 === 0 ? prCreated : null,
      ],
    );
    await pool.query(
      `INSERT INTO deployments (tenant_id, external_id, service, environment, status, version, commit_sha,
         started_at, finished_at)
       VALUES ($1, $2, $3, 'production', $4, $5, $6, $7, $7)`,
      [
        id,
        `${marker}-DEP-${i}`,
        group,
        i % 4 === 0 ? 'failed' : 'success',
        `${marker}:dep:${i}`,
        marker,
        created,
      ],
    );
  }
  return { id, slug, marker, counts: { work_items: rows, pull_requests: rows, deployments: rows } };
}

/** Two tenants with `rows` rows each in every business table, created directly as the table owner. */
export async function createTwoTenants(pool: Pool, rows = 6): Promise<TwoTenants> {
  const a = await createTenant(pool, 'a', rows);
  const b = await createTenant(pool, 'b', rows + 1);
  await forgetChanges(pool, [a.id, b.id]);
  return {
    a,
    b,
    cleanup: async () => {
      for (const table of ['work_items', 'pull_requests', 'deployments']) {
        await pool.query(`DELETE FROM ${table} WHERE tenant_id = ANY($1::uuid[])`, [[a.id, b.id]]);
      }
      await pool.query('DELETE FROM tenants WHERE id = ANY($1::uuid[])', [[a.id, b.id]]);
      await forgetChanges(pool, [a.id, b.id]);
    },
  };
}

/**
 * These suites never search: their rows' change-outbox entries would otherwise wait in the shared test database
 * for a later suite's worker, which would embed them before that suite's own records.
 */
export async function forgetChanges(db: Pick<Pool, 'query'>, tenantIds: string[]): Promise<void> {
  await db.query('DELETE FROM change_outbox WHERE tenant_id = ANY($1::uuid[])', [tenantIds]);
}

/** A fingerprint of every table in the public schema (row counts and content), to prove nothing was written. */
export async function databaseFingerprint(pool: Pool): Promise<Record<string, string>> {
  const { rows: tables } = await pool.query<{ name: string; kind: string }>(
    `SELECT c.relname AS name, c.relkind::text AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'm', 'S', 'f', 'p') ORDER BY 1`,
  );
  const out: Record<string, string> = {};
  for (const { name, kind } of tables) {
    // A sequence has no row type: its position is what a write would move.
    const { rows } = await pool.query<{ fp: string }>(
      kind === 'S'
        ? `SELECT last_value || ':' || is_called AS fp FROM "${name}"`
        : `SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') AS fp FROM "${name}" t`,
    );
    out[name] = rows[0].fp;
  }
  const { rows: procs } = await pool.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'`,
  );
  out['(functions in public)'] = procs[0].n;
  return out;
}
