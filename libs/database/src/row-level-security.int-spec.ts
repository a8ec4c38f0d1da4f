import { randomUUID } from 'node:crypto';
import { Client } from 'pg';

/**
 * The reader role that runs generated SQL sees only the tenant named by `app.tenant_id`, even when the query
 * has no tenant predicate at all.
 */
describe('row-level security on business tables', () => {
  let db: Client;
  const tenantA = randomUUID();
  const tenantB = randomUUID();

  beforeAll(async () => {
    db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    for (const [id, slug] of [
      [tenantA, `rls-a-${tenantA}`],
      [tenantB, `rls-b-${tenantB}`],
    ]) {
      await db.query('INSERT INTO tenants (id, slug, name) VALUES ($1, $2, $2)', [id, slug]);
      for (let i = 0; i < 3; i++) {
        await db.query(
          `INSERT INTO work_items (tenant_id, external_id, project, title, type, status, priority, created_at, updated_at)
           VALUES ($1, $2, 'P', 't', 'bug', 'done', 'high', now(), now())`,
          [id, `P-${i}`],
        );
        await db.query(
          `INSERT INTO deployments (tenant_id, external_id, service, environment, status, version, started_at)
           VALUES ($1, $2, 'api', 'production', 'success', '1.0', now())`,
          [id, `D-${i}`],
        );
      }
    }
  });
  afterAll(async () => {
    await db.query('DELETE FROM tenants WHERE id = ANY($1)', [[tenantA, tenantB]]);
    await db.query('DELETE FROM work_items WHERE tenant_id = ANY($1)', [[tenantA, tenantB]]);
    await db.query('DELETE FROM deployments WHERE tenant_id = ANY($1)', [[tenantA, tenantB]]);
    await db.end();
  });

  async function asReader<T>(tenant: string | null, sql: string): Promise<T[]> {
    await db.query('BEGIN READ ONLY');
    try {
      await db.query('SET LOCAL ROLE pulse_ai_reader');
      if (tenant) await db.query("SELECT set_config('app.tenant_id', $1, true)", [tenant]);
      return (await db.query(sql)).rows as T[];
    } finally {
      await db.query('ROLLBACK');
    }
  }

  it("shows only the set tenant's rows, with no predicate in the query", async () => {
    for (const table of ['work_items', 'deployments']) {
      const rows = await asReader<{ tenant_id: string }>(
        tenantB,
        `SELECT tenant_id FROM ${table} WHERE tenant_id IN ('${tenantA}', '${tenantB}')`,
      );
      expect(rows).toHaveLength(3);
      expect(rows.filter((r) => r.tenant_id !== tenantB)).toEqual([]);
    }
  });

  it('shows nothing when no tenant is set', async () => {
    expect(await asReader(null, 'SELECT 1 FROM work_items')).toEqual([]);
  });

  it('cannot read the tenancy tables or write anything', async () => {
    await expect(asReader(tenantA, 'SELECT * FROM api_keys')).rejects.toThrow(/permission denied/);
    await expect(asReader(tenantA, 'SELECT * FROM integrations')).rejects.toThrow(/permission denied/);
    await db.query('BEGIN');
    try {
      await db.query('SET LOCAL ROLE pulse_ai_reader');
      await expect(db.query(`DELETE FROM work_items WHERE tenant_id = '${tenantA}'`)).rejects.toThrow(
        /permission denied/,
      );
    } finally {
      await db.query('ROLLBACK');
    }
  });
});
