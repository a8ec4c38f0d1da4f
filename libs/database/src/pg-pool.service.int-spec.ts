import { Client } from 'pg';
import { AppConfig } from '@app/config';
import { PgPoolService } from './pg-pool.service';

/** The server ends a connection of ours the way an operator or a failover does. */
async function terminate(pid: number): Promise<void> {
  const admin = new Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  try {
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  } finally {
    await admin.end();
  }
}

const pidOf = async (q: { query: (sql: string) => Promise<{ rows: { pid: number }[] }> }) =>
  (await q.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;

describe('PgPoolService: connections the server terminates', () => {
  const db = new PgPoolService(new AppConfig());
  afterAll(() => db.onModuleDestroy());

  it('a checked-out connection terminated while no query runs fails its next query, and the process carries on', async () => {
    const client = await db.pool.connect();
    await terminate(await pidOf(client));
    // The server's message arrives while nothing listens on the client but the pool's own listener.
    await new Promise((r) => setTimeout(r, 100));
    await expect(client.query('SELECT 1')).rejects.toThrow();
    client.release();
    // The dead connection was discarded on release: the pool answers from a new one.
    expect((await db.pool.query<{ one: number }>('SELECT 1 AS one')).rows[0].one).toBe(1);
  });

  it('a transaction whose connection is terminated between two statements rejects, and the pool recovers', async () => {
    await expect(
      db.transaction(async (client) => {
        await terminate(await pidOf(client));
        await new Promise((r) => setTimeout(r, 100));
        await client.query('SELECT 1');
      }),
    ).rejects.toThrow();
    expect((await db.pool.query<{ one: number }>('SELECT 1 AS one')).rows[0].one).toBe(1);
  });

  it('an idle connection terminated in the pool is replaced', async () => {
    const client = await db.pool.connect();
    const pid = await pidOf(client);
    client.release();
    await terminate(pid);
    await new Promise((r) => setTimeout(r, 100));
    expect(await pidOf(db.pool)).not.toBe(pid);
  });
});
