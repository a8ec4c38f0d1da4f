import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client, type Notification } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createMigratedDatabase, type MigratedDatabase } from '../../database/src/testing/migrated-database';

/**
 * The business tables' triggers, exercised by a plain PostgreSQL client as another program would write: only
 * business columns, no knowledge of Pulse AI. Runs in a database of its own (it TRUNCATEs).
 */
describe('change capture in PostgreSQL', () => {
  let db: MigratedDatabase;
  let writer: Client;
  let listener: Client;
  const notes: Notification[] = [];

  beforeAll(async () => {
    db = await createMigratedDatabase('pulse_capture');
    writer = new Client({ connectionString: db.url });
    listener = new Client({ connectionString: db.url });
    await Promise.all([writer.connect(), listener.connect()]);
    listener.on('notification', (n) => notes.push(n));
    await listener.query('LISTEN pulse_data_changed');
    await listener.query('LISTEN pulse_outbox');
  }, 120_000);

  afterAll(async () => {
    await Promise.all([writer?.end(), listener?.end()]);
    await db?.drop();
  });

  const insertWorkItem = (tenant: string, id: string, extra = '') =>
    writer.query(
      `INSERT INTO work_items (tenant_id, external_id, project, title, description, type, status, priority,
         created_at, updated_at${extra ? ', story_points' : ''})
       VALUES ($1, $2, 'PAY', 'Checkout fails on retry', 'The card is charged twice', 'bug', 'open', 'high',
         now(), now()${extra ? `, ${extra}` : ''})`,
      [tenant, id],
    );

  async function outbox(tenant: string): Promise<[string, string][]> {
    const { rows } = await writer.query<{ op: string; external_id: string }>(
      'SELECT op, external_id FROM change_outbox WHERE tenant_id = $1 ORDER BY id',
      [tenant],
    );
    await writer.query('DELETE FROM change_outbox WHERE tenant_id = $1', [tenant]);
    return rows.map((r) => [r.op, r.external_id]);
  }

  async function version(tenant: string, table = 'work_items'): Promise<number> {
    const { rows } = await writer.query<{ version: string }>(
      'SELECT version FROM data_versions WHERE tenant_id = $1 AND table_name = $2',
      [tenant, table],
    );
    return Number(rows[0]?.version ?? 0);
  }

  async function notified(match: (n: Notification) => boolean): Promise<Notification> {
    for (let i = 0; i < 100; i++) {
      const hit = notes.find(match);
      if (hit) return hit;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('no notification');
  }

  it('an INSERT of business columns only gets its hashes from the database, an outbox row and a version', async () => {
    const tenant = randomUUID();
    await insertWorkItem(tenant, 'PAY-1');
    const { rows } = await writer.query<{ content_hash: string; embed_hash: string }>(
      'SELECT content_hash, embed_hash FROM work_items WHERE tenant_id = $1',
      [tenant],
    );
    expect(rows[0].content_hash).toMatch(/^[0-9a-f]{32}$/);
    expect(rows[0].embed_hash).toMatch(/^[0-9a-f]{32}$/);
    expect(await outbox(tenant)).toEqual([['embed', 'PAY-1']]);
    expect(await version(tenant)).toBe(1);
    expect((await notified((n) => n.payload === `${tenant}:work_items:1`)).channel).toBe(
      'pulse_data_changed',
    );
    expect(notes.some((n) => n.channel === 'pulse_outbox' && n.payload === 'work_items')).toBe(true);
  });

  it('notifies on commit only, and a rolled-back write changes nothing', async () => {
    const tenant = randomUUID();
    await writer.query('BEGIN');
    await insertWorkItem(tenant, 'PAY-2');
    await new Promise((r) => setTimeout(r, 200));
    expect(notes.some((n) => n.payload?.startsWith(tenant))).toBe(false);
    await writer.query('ROLLBACK');
    expect(await outbox(tenant)).toEqual([]);
    expect(await version(tenant)).toBe(0);

    await writer.query('BEGIN');
    await insertWorkItem(tenant, 'PAY-2');
    await writer.query('COMMIT');
    await notified((n) => n.payload === `${tenant}:work_items:1`);
  });

  it('an UPDATE re-embeds only for new text, refreshes the payload for a status change, and a non-vector change only bumps the version', async () => {
    const tenant = randomUUID();
    await insertWorkItem(tenant, 'PAY-3');
    await outbox(tenant);
    const hashes = async () =>
      (
        await writer.query<{ content_hash: string; embed_hash: string }>(
          'SELECT content_hash, embed_hash FROM work_items WHERE tenant_id = $1',
          [tenant],
        )
      ).rows[0];
    const before = await hashes();

    await writer.query(`UPDATE work_items SET title = 'Checkout charges twice' WHERE tenant_id = $1`, [
      tenant,
    ]);
    expect(await outbox(tenant)).toEqual([['embed', 'PAY-3']]);
    const retitled = await hashes();
    expect(retitled.embed_hash).not.toBe(before.embed_hash);

    await writer.query(`UPDATE work_items SET status = 'done' WHERE tenant_id = $1`, [tenant]);
    expect(await outbox(tenant)).toEqual([['payload', 'PAY-3']]);
    const done = await hashes();
    expect(done.embed_hash).toBe(retitled.embed_hash);
    expect(done.content_hash).not.toBe(retitled.content_hash);

    await writer.query('UPDATE work_items SET story_points = 5 WHERE tenant_id = $1', [tenant]);
    expect(await outbox(tenant)).toEqual([]);
    expect(await version(tenant)).toBe(4);

    // The worker's own bookkeeping changes no business column: no version, no outbox row.
    await writer.query(
      `UPDATE work_items SET vectorized_at = now(), vector_hash = content_hash, embedding_model = 'm' WHERE tenant_id = $1`,
      [tenant],
    );
    await writer.query(`UPDATE work_items SET status = 'done' WHERE tenant_id = $1`, [tenant]);
    expect(await outbox(tenant)).toEqual([]);
    expect(await version(tenant)).toBe(4);

    // A changed key is the old record's delete and the new record's embed.
    await writer.query(`UPDATE work_items SET external_id = 'PAY-33' WHERE tenant_id = $1`, [tenant]);
    expect((await outbox(tenant)).sort()).toEqual([
      ['delete', 'PAY-3'],
      ['embed', 'PAY-33'],
    ]);
  });

  it('DELETE of one record and of a tenant’s rows queue deletes, one version per statement', async () => {
    const [tenant, other] = [randomUUID(), randomUUID()];
    for (const id of ['A', 'B', 'C']) await insertWorkItem(tenant, id);
    await insertWorkItem(other, 'A');
    await outbox(tenant);
    await outbox(other);

    await writer.query(`DELETE FROM work_items WHERE tenant_id = $1 AND external_id = 'A'`, [tenant]);
    expect(await outbox(tenant)).toEqual([['delete', 'A']]);
    await writer.query('DELETE FROM work_items WHERE tenant_id = $1', [tenant]);
    expect((await outbox(tenant)).sort()).toEqual([
      ['delete', 'B'],
      ['delete', 'C'],
    ]);
    expect(await version(tenant)).toBe(5);
    expect(await outbox(other)).toEqual([]);
    expect(await version(other)).toBe(1);
  });

  it('COPY FROM STDIN of 10,000 rows queues every row and bumps the version once', async () => {
    const tenant = randomUUID();
    const lines = Array.from(
      { length: 10_000 },
      (_, i) =>
        `${tenant}\tCOPY-${i}\tops\tDeploy ${i} broke the build\t\\N\tbug\topen\tlow\t2026-11-01T00:00:00Z\t2026-11-01T00:00:00Z\n`,
    );
    await pipeline(
      Readable.from(lines),
      writer.query(
        copyFrom(
          'COPY work_items (tenant_id, external_id, project, title, description, type, status, priority, created_at, updated_at) FROM STDIN',
        ),
      ),
    );
    const { rows } = await writer.query<{ n: number; hashed: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE content_hash IS NOT NULL AND embed_hash IS NOT NULL)::int AS hashed
         FROM work_items WHERE tenant_id = $1`,
      [tenant],
    );
    expect(rows[0]).toEqual({ n: 10_000, hashed: 10_000 });
    const queued = await outbox(tenant);
    expect(queued).toHaveLength(10_000);
    expect(new Set(queued.map(([op, id]) => `${op}:${id}`)).size).toBe(10_000);
    expect(await version(tenant)).toBe(1);
  });

  it('TRUNCATE queues a delete for every row of every tenant', async () => {
    const [t1, t2] = [randomUUID(), randomUUID()];
    await writer.query(
      `INSERT INTO deployments (tenant_id, external_id, service, environment, status, version, started_at)
       VALUES ($1, 'D1', 'api', 'production', 'success', '1.0', now()),
              ($2, 'D2', 'web', 'staging', 'failed', '2.0', now())`,
      [t1, t2],
    );
    await outbox(t1);
    await outbox(t2);
    await writer.query('TRUNCATE deployments');
    expect(await outbox(t1)).toEqual([['delete', 'D1']]);
    expect(await outbox(t2)).toEqual([['delete', 'D2']]);
    expect(await version(t1, 'deployments')).toBe(2);
    expect(await version(t2, 'deployments')).toBe(2);
  });
});
