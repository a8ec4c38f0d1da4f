import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { VectorizeService } from '@app/etl';
import { VectorStore } from '@app/vector';
import {
  createMigratedDatabase,
  type MigratedDatabase,
} from '../../../../libs/database/src/testing/migrated-database';
import { eventually } from '../support/eventually';
import { workItem } from '../support/records';
import { TestRedisServer } from '../support/redis-server';
import { startTestApp, type TestApp } from '../support/test-app';
import { FAULT_TEST_TIMEOUT_MS, LoadLoop, untilVectorized, workItemCounts } from './load-loop';
import { printSummary, sleep, type SummaryRow } from './reliability-support';

describe('Faults while load runs: dependencies go away, requests get 503 (never 500) and nothing accepted is lost', () => {
  let redis: TestRedisServer;
  let t: TestApp;
  let dataDir: string;
  let tenant: { id: string; apiKey: string };
  let db: MigratedDatabase;
  const rows: SummaryRow[] = [];

  const ready = async () => (await t.request({ method: 'GET', url: '/health/ready' })).status;
  const counts = async () => (await workItemCounts(t, tenant.apiKey))!;
  /** Vectors the store holds for the tenant: one per record, or something was lost or written twice. */
  const storedVectors = async () =>
    t.app.get(VectorStore).count(tenant.id, await t.app.get(VectorizeService).collection('work_items'));

  beforeAll(async () => {
    // A database of its own: the reconciler passes this test asks for work through every tenant in the
    // database, and other suites' tenants (whose vectors live in their own data directories) would be re-embedded
    // first, delaying this tenant's records by minutes.
    [redis, db] = await Promise.all([TestRedisServer.start(), createMigratedDatabase('pulse_faults')]);
    dataDir = mkdtempSync(path.join(tmpdir(), 'pulse-faults-'));
    t = await startTestApp({
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      DATA_DIR: dataDir,
      RECONCILE_INTERVAL_S: '2',
      RECONCILE_SETTLE_S: '1',
    });
    tenant = await t.createTenant();
    await eventually(async () => (await ready()) === 200, { what: 'ready at start' });
  });

  afterAll(async () => {
    printSummary(rows);
    await t.close();
    await Promise.all([redis.stop(), db.drop()]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'Redis stopped and restarted under load: 503/202/200 only, readiness 503 while down, recovery without restart, every accepted record vectorized',
    async () => {
      const load = new LoadLoop(t, tenant.apiKey, 'redis');
      load.start();
      await sleep(1_500);

      load.faultActive = true;
      await redis.stop();
      await eventually(async () => (await ready()) === 503, {
        timeoutMs: 10_000,
        what: 'readiness 503 with Redis down',
      });
      await sleep(3_000);
      const readyWhileDown = await ready();
      await redis.restart();
      load.faultActive = false;
      await eventually(async () => (await ready()) === 200, {
        timeoutMs: 30_000,
        what: 'readiness 200 after restart',
      });
      await sleep(1_500);
      await load.stop();

      rows.push({
        spec: 'faults: redis stop/restart',
        requests: load.tally.total,
        statuses: load.tally.toString(),
        faults: '1 (redis down ~4 s)',
        accepted: load.accepted.size,
        fiveHundreds: load.tally.fiveHundreds,
        hangs: load.tally.count('hung'),
      });
      expect(load.bad.slice(0, 10)).toEqual([]);
      expect(readyWhileDown).toBe(503);
      expect(load.accepted.size).toBeGreaterThan(0);
      console.log(
        `[reliability] redis fault: ${load.tally.total} requests (${load.tally.toString()}), ${load.accepted.size} records accepted, ${load.acceptedDuringFault} of them while Redis was down`,
      );

      const before = await counts();
      expect(before.records).toBe(load.accepted.size);
      await untilVectorized(t, tenant.apiKey, load.accepted.size);
      const after = await counts();
      rows[rows.length - 1].vectorized = after.vectorized;
      expect(after).toEqual(
        expect.objectContaining({ records: load.accepted.size, vectorized: load.accepted.size, failed: 0 }),
      );

      // Recovered in place: a fresh ingest is queued and vectorized by the running workers.
      const res = await t.request({
        method: 'POST',
        url: '/v1/etl/work_items/records',
        token: tenant.apiKey,
        body: { records: [workItem({ externalId: 'after-redis' })] },
      });
      expect(res.status).toBe(202);
      await eventually(
        async () => (await workItemCounts(t, tenant.apiKey))?.vectorized === load.accepted.size + 1,
        {
          what: 'new record vectorized after recovery',
        },
      );
      expect(await storedVectors()).toBe(load.accepted.size + 1);
    },
    FAULT_TEST_TIMEOUT_MS,
  );

  it(
    'PostgreSQL connections killed (pg_terminate_backend) under load: 503 at worst, never 500, and the app recovers',
    async () => {
      const baseline = await counts();
      const load = new LoadLoop(t, tenant.apiKey, 'pg');
      load.start();
      await sleep(1_000);
      const admin = new Client({ connectionString: db.url });
      await admin.connect();
      let killed = 0;
      try {
        load.faultActive = true;
        for (let i = 0; i < 4; i++) {
          const r = await admin.query(
            'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
          );
          killed += r.rowCount ?? 0;
          await sleep(600);
        }
        load.faultActive = false;
      } finally {
        await admin.end();
      }
      await sleep(1_500);
      await load.stop();

      rows.push({
        spec: 'faults: pg_terminate_backend',
        requests: load.tally.total,
        statuses: load.tally.toString(),
        faults: `4 rounds, ${killed} backends killed`,
        accepted: load.accepted.size,
        fiveHundreds: load.tally.fiveHundreds,
        hangs: load.tally.count('hung'),
      });
      console.log(
        `[reliability] pg fault: ${killed} backends killed; ${load.tally.total} requests (${load.tally.toString()}); ${load.accepted.size} records accepted`,
      );
      expect(killed).toBeGreaterThan(0);
      expect(load.bad.slice(0, 10)).toEqual([]);

      await eventually(async () => (await ready()) === 200, { what: 'ready after connections were killed' });
      const expected = baseline.records + load.accepted.size;
      expect((await counts()).records).toBe(expected);
      await untilVectorized(t, tenant.apiKey, expected);
      rows[rows.length - 1].vectorized = (await counts()).vectorized - baseline.vectorized;
      expect(await storedVectors()).toBe(expected);
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});
