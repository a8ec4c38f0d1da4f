import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { startOpenAiTestServer, type OpenAiTestServer } from '@app/common/testing/openai-test-server';
import {
  createMigratedDatabase,
  type MigratedDatabase,
} from '../../../libs/database/src/testing/migrated-database';
import { eventually } from './support/eventually';
import { storedPoints } from './support/qdrant-points';
import { SplitDeployment } from './support/split-deployment';

/** Long enough for a stalled drain to be told from a slow one on a loaded machine. */
const STALL_MS = 60_000;

/**
 * The change outbox under faults: rows COPYed in by another program are drained by a separate worker process
 * that is SIGKILLed, loses Redis, or has its PostgreSQL connections terminated mid-drain. Afterwards every row
 * has exactly one vector (Qdrant's own count per tenant equals the rows) and the outbox is empty, with the
 * periodic reconciler off so nothing else repairs a lost change. Embeddings come from the local OpenAI-wire
 * test server standing in for an outside gateway, so 10,000 rows drain in seconds.
 */
describe('outbox drained exactly once through worker SIGKILL, Redis restart and terminated connections', () => {
  let gateway: OpenAiTestServer;
  let db: MigratedDatabase;
  let d: SplitDeployment;
  let writer: Client;

  beforeAll(async () => {
    [gateway, db] = await Promise.all([startOpenAiTestServer(), createMigratedDatabase('pulse_outbox')]);
    d = await SplitDeployment.start({
      DATABASE_URL: db.url,
      RECONCILE_INTERVAL_S: '0',
      EMBEDDING_PROVIDER: 'gateway',
      EMBEDDING_GATEWAY_URL: gateway.url,
      EMBEDDING_MODEL: 'test-gateway-embedding',
    });
    await d.startWorker();
    writer = new Client({ connectionString: db.url });
    await writer.connect();
  }, 180_000);

  afterAll(async () => {
    await writer?.end();
    await d?.close();
    await gateway?.close();
    await db?.drop();
  });

  async function copyRows(tenantId: string, count: number): Promise<void> {
    const lines = Array.from(
      { length: count },
      (_, i) =>
        `${tenantId}\tCRASH-${i}\tOPS\tIncident ${i}: queue consumer stalls\tRow ${i} written by COPY\tbug\topen\tmedium\t2026-11-01T00:00:00Z\t2026-11-01T00:00:00Z\n`,
    );
    await pipeline(
      Readable.from(lines),
      writer.query(
        copyFrom(
          'COPY work_items (tenant_id, external_id, project, title, description, type, status, priority, created_at, updated_at) FROM STDIN',
        ),
      ),
    );
  }

  const count = async (sql: string, params: unknown[]) =>
    (await writer.query<{ n: number }>(sql, params)).rows[0].n;
  const vectorized = (tenantId: string) =>
    count(`SELECT count(*)::int AS n FROM work_items WHERE tenant_id = $1 AND vector_hash = content_hash`, [
      tenantId,
    ]);
  const waiting = (tenantId: string) =>
    count('SELECT count(*)::int AS n FROM change_outbox WHERE tenant_id = $1', [tenantId]);

  /** Waits while vectorization progresses; fails only when it stalls. */
  async function untilDrained(tenantId: string, rows: number): Promise<void> {
    let last = -1;
    let progressAt = Date.now();
    for (;;) {
      const [done, left] = await Promise.all([vectorized(tenantId), waiting(tenantId)]);
      if (done === rows && left === 0) return;
      if (done > last) {
        last = done;
        progressAt = Date.now();
      }
      if (Date.now() - progressAt > STALL_MS)
        throw new Error(`drain stalled at ${done}/${rows} vectorized, ${left} changes waiting`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Every row has exactly one point, read from Qdrant itself. */
  async function expectOnePointPerRow(tenantId: string, rows: number): Promise<void> {
    const ids = (await storedPoints(d.api, d.qdrant.url, tenantId)).map((p) => String(p.external_id));
    expect(ids.length).toBe(rows);
    expect(new Set(ids).size).toBe(rows);
    const status = (
      await d.api.request({ method: 'GET', url: '/v1/etl/status', token: apiKeys.get(tenantId) })
    ).body.entities.work_items;
    expect(status).toEqual(
      expect.objectContaining({ records: rows, vectorized: rows, pending: 0, failed: 0 }),
    );
  }

  const apiKeys = new Map<string, string>();
  async function tenantWithRows(rows: number): Promise<string> {
    const tenant = await d.api.createTenant();
    apiKeys.set(tenant.id, tenant.apiKey);
    await copyRows(tenant.id, rows);
    expect(await waiting(tenant.id)).toBe(rows);
    await eventually(async () => (await vectorized(tenant.id)) > 0, {
      timeoutMs: 60_000,
      intervalMs: 50,
      what: 'drain started',
    });
    return tenant.id;
  }

  it('worker SIGKILLed while draining a 10,000-row outbox; a new worker finishes it', async () => {
    const tenantId = await tenantWithRows(10_000);
    await d.stopWorker('SIGKILL');
    const atKill = await vectorized(tenantId);
    await d.startWorker();
    await untilDrained(tenantId, 10_000);
    console.log(`outbox SIGKILL: worker killed with ${atKill}/10000 vectorized; all 10000 drained`);
    expect(atKill).toBeLessThan(10_000);
    await expectOnePointPerRow(tenantId, 10_000);
  });

  it('Redis stopped and restarted while draining: vectorization does not depend on it', async () => {
    const tenantId = await tenantWithRows(2_000);
    await d.redis.stop();
    await new Promise((r) => setTimeout(r, 2_000));
    const whileDown = await vectorized(tenantId);
    await d.redis.restart();
    await untilDrained(tenantId, 2_000);
    console.log(`outbox Redis restart: ${whileDown}/2000 vectorized while Redis was down`);
    await expectOnePointPerRow(tenantId, 2_000);
  });

  it('every PostgreSQL connection of the API and the worker terminated while draining', async () => {
    const tenantId = await tenantWithRows(2_000);
    const { rowCount } = await writer.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    const atTermination = await vectorized(tenantId);
    await untilDrained(tenantId, 2_000);
    console.log(
      `outbox pg_terminate_backend: ${rowCount} connections terminated at ${atTermination}/2000 vectorized; all drained`,
    );
    expect(rowCount).toBeGreaterThan(0);
    await expectOnePointPerRow(tenantId, 2_000);
  });
});
