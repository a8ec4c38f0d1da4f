import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { eventually } from '../support/eventually';
import { workItem } from '../support/records';
import { TestRedisServer } from '../support/redis-server';
import { startTestApp, type TestApp } from '../support/test-app';
import {
  boundedRequest,
  hasErrorShape,
  printSummary,
  sleep,
  StatusTally,
  type SummaryRow,
} from './reliability-support';

const REQUEST_BOUND_MS = 15_000;

/**
 * A small mixed workload (ingest, search, status, embed, integrations, readiness) running on a few concurrent
 * loops while a fault is injected. Every record the API accepted is remembered, so the test can check that
 * each one ends up vectorized after the dependency comes back.
 */
/** Each fault test waits for every accepted record to be vectorized by the CPU-bound bundled model: be generous. */
const FAULT_TEST_TIMEOUT_MS = 240_000;

class LoadLoop {
  readonly tally = new StatusTally();
  readonly bad: string[] = [];
  readonly accepted = new Set<string>();
  acceptedDuringFault = 0;
  faultActive = false;
  private running = false;
  private loops: Promise<void>[] = [];
  private seq = 0;

  constructor(
    private readonly t: TestApp,
    private readonly apiKey: string,
    private readonly prefix: string,
  ) {}

  start(concurrency = 3): void {
    this.running = true;
    this.loops = Array.from({ length: concurrency }, (_, i) => this.loop(i));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async loop(offset: number): Promise<void> {
    let n = offset;
    while (this.running) {
      await this.step(n++ % 6);
      await sleep(20);
    }
  }

  private async step(kind: number): Promise<void> {
    const key = this.apiKey;
    let req: Parameters<TestApp['request']>[0];
    let ids: string[] = [];
    switch (kind) {
      case 0:
      case 1: {
        ids = [`${this.prefix}-${++this.seq}`, `${this.prefix}-${++this.seq}`];
        req = {
          method: 'POST',
          url: '/v1/etl/work_items/records',
          token: key,
          body: { records: ids.map((externalId) => workItem({ externalId })) },
        };
        break;
      }
      case 2:
        req = {
          method: 'POST',
          url: '/v1/ai/search',
          token: key,
          body: { query: 'payment retries pool', limit: 5 },
        };
        break;
      case 3:
        req = { method: 'GET', url: '/v1/etl/status', token: key };
        break;
      case 4:
        req = {
          method: 'POST',
          url: '/v1/ai/embed',
          token: key,
          body: { texts: ['checkout latency regression'] },
        };
        break;
      default:
        req = { method: 'GET', url: '/v1/integrations', token: key };
    }
    const res = await boundedRequest(this.t, req, REQUEST_BOUND_MS);
    this.tally.add(res.status, res.hung);
    const what = `${req.method} ${req.url}`;
    if (res.hung) this.bad.push(`hang: ${what}`);
    else if (res.status === 0) this.bad.push(`inject threw ${res.thrown}: ${what}`);
    else if (res.status >= 500 && res.status !== 503)
      this.bad.push(`${res.status} ${JSON.stringify(res.body)}: ${what}`);
    else if (res.status >= 400 && !hasErrorShape(res.body))
      this.bad.push(`${res.status} without error shape: ${what}`);
    if (res.status === 202 && ids.length) {
      for (const id of ids) this.accepted.add(id);
      if (this.faultActive) this.acceptedDuringFault += ids.length;
    }
  }
}

describe('Faults while load runs: dependencies go away, requests get 503 (never 500) and nothing accepted is lost', () => {
  let redis: TestRedisServer;
  let t: TestApp;
  let dataDir: string;
  let tenant: { id: string; apiKey: string };
  const rows: SummaryRow[] = [];

  const ready = async () => (await t.request({ method: 'GET', url: '/health/ready' })).status;
  const workItemCounts = async () => {
    const res = await t.request({ method: 'GET', url: '/v1/etl/status', token: tenant.apiKey });
    return res.status === 200
      ? (res.body.entities.work_items as {
          records: number;
          vectorized: number;
          pending: number;
          failed: number;
        })
      : undefined;
  };
  /**
   * The reconciler's schedule lives in Redis, so a Redis that restarts empty loses it (and any queued job);
   * an explicit pass is what an operator (or the next app start) would trigger.
   */
  const reconcileUntilVectorized = async (expected: number) => {
    let last: unknown;
    await eventually(
      async () => {
        const counts = await workItemCounts();
        last = counts;
        if (counts && counts.vectorized >= expected && counts.pending === 0) return true;
        await t.request({ method: 'POST', url: '/v1/admin/etl/reconcile', token: t.adminToken });
        return false;
      },
      { timeoutMs: 90_000, intervalMs: 1_500, what: `all ${expected} accepted records vectorized` },
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}; last status ${JSON.stringify(last)}`);
    });
  };

  beforeAll(async () => {
    redis = await TestRedisServer.start();
    dataDir = mkdtempSync(path.join(tmpdir(), 'pulse-faults-'));
    t = await startTestApp({
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
    await redis.stop();
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

      const before = (await workItemCounts())!;
      expect(before.records).toBe(load.accepted.size);
      await reconcileUntilVectorized(load.accepted.size);
      const after = (await workItemCounts())!;
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
      await eventually(async () => (await workItemCounts())?.vectorized === load.accepted.size + 1, {
        what: 'new record vectorized after recovery',
      });
    },
    FAULT_TEST_TIMEOUT_MS,
  );

  it(
    'PostgreSQL connections killed (pg_terminate_backend) under load: 503 at worst, never 500, and the app recovers',
    async () => {
      const baseline = (await workItemCounts())!;
      const load = new LoadLoop(t, tenant.apiKey, 'pg');
      load.start();
      await sleep(1_000);
      const admin = new Client({ connectionString: process.env.DATABASE_URL });
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
      expect((await workItemCounts())!.records).toBe(expected);
      await reconcileUntilVectorized(expected);
      rows[rows.length - 1].vectorized = (await workItemCounts())!.vectorized - baseline.vectorized;
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});
