import { PgPoolService } from '@app/database';
import { eventually } from '../support/eventually';
import { storedPoints } from '../support/qdrant-points';
import { SplitDeployment } from '../support/split-deployment';
import type { TestApp } from '../support/test-app';
import { FAULT_TEST_TIMEOUT_MS, LoadLoop, untilVectorized, workItemCounts } from './load-loop';
import { printSummary, sleep, StatusTally, type SummaryRow } from './reliability-support';

const WORKER_GRACE_MS = 10_000;

interface Load {
  tenant: { id: string; apiKey: string };
  load: LoadLoop;
}

interface Probe {
  startedAt: number;
  endedAt: number;
  status: number;
}

/** Polls the API's /health/ready in the background and keeps every answer with when it was asked. */
class ReadinessLog {
  readonly probes: Probe[] = [];
  private running = true;
  private readonly done: Promise<void>;

  constructor(private readonly t: TestApp) {
    this.done = this.poll();
  }

  private async poll(): Promise<void> {
    while (this.running) {
      const startedAt = Date.now();
      const { status } = await this.t.request({ method: 'GET', url: '/health/ready' });
      this.probes.push({ startedAt, endedAt: Date.now(), status });
      await sleep(250);
    }
  }

  /** Statuses of the probes asked and answered entirely within [from, to]. */
  within(from: number, to: number): number[] {
    return this.probes.filter((p) => p.startedAt >= from && p.endedAt <= to).map((p) => p.status);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

/**
 * The deployment's split shape under load: the API in this process, the queue worker as a separate real
 * process, a real Qdrant and a private Redis. While two tenants' mixed workload runs, Qdrant goes away, the
 * worker is SIGKILLed mid-batch, and the worker is sent SIGTERM mid-batch. After each, every accepted record
 * must be in the database and in Qdrant exactly once, with the change outbox alone (the periodic reconciler is
 * off, so nothing papers over a lost change).
 */
describe('Vector store and worker faults under load (API in-process, worker process, real Qdrant)', () => {
  let d: SplitDeployment;
  let t: TestApp;
  const rows: SummaryRow[] = [];
  /** Every load started, so a failed test's loops are stopped before the app closes. */
  const running: LoadLoop[] = [];

  const ready = async () => (await t.request({ method: 'GET', url: '/health/ready' })).status;
  const query = async (sql: string, params: unknown[] = []) =>
    (await t.app.get(PgPoolService).pool.query<{ n: number }>(sql, params)).rows[0].n;
  /** Outbox batches a worker holds right now (each under a transaction-level advisory lock). */
  const heldBatches = () =>
    query(
      `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
  /** The scenario's changes still waiting in the outbox. */
  const pendingChanges = (loads: Load[]) =>
    query('SELECT count(*)::int AS n FROM change_outbox WHERE tenant_id = ANY($1::uuid[])', [
      loads.map(({ tenant }) => tenant.id),
    ]);

  beforeAll(async () => {
    d = await SplitDeployment.start({
      RECONCILE_INTERVAL_S: '0',
      SHUTDOWN_GRACE_MS: String(WORKER_GRACE_MS),
    });
    t = d.api;
    await d.startWorker();
    await eventually(async () => (await ready()) === 200, { timeoutMs: 60_000, what: 'API ready at start' });
  }, 120_000);

  afterAll(async () => {
    printSummary(rows);
    await Promise.all(running.map((load) => load.stop()));
    await d?.close();
  });

  /** Two fresh tenants, each with its own load loop, so per-tenant counts and points can be checked apart. */
  async function startLoad(name: string): Promise<Load[]> {
    const tenants = [await t.createTenant(), await t.createTenant()];
    return tenants.map((tenant, i) => {
      const load = new LoadLoop(t, tenant.apiKey, `${name}-${i}`);
      load.start(2);
      running.push(load);
      return { tenant, load };
    });
  }

  /**
   * Waits until the pipeline is flowing for both tenants (records vectorized) and the worker holds at least one
   * outbox batch right now (being embedded or written); returns how many it holds.
   */
  async function untilMidBatch(loads: Load[]): Promise<number> {
    await eventually(
      async () => {
        const counts = await Promise.all(loads.map(({ tenant }) => workItemCounts(t, tenant.apiKey)));
        return counts.every((c) => (c?.vectorized ?? 0) > 0);
      },
      { timeoutMs: 60_000, what: 'records of both tenants vectorized' },
    );
    let active = 0;
    await eventually(
      async () => {
        active = await heldBatches();
        return active > 0;
      },
      { timeoutMs: 60_000, intervalMs: 50, what: 'an outbox batch held by the worker' },
    );
    return active;
  }

  /**
   * Stops the load, records the scenario's row, and checks: no 500 or hang, every accepted record vectorized
   * (status), and Qdrant holding exactly one point per accepted record per tenant, with no other point.
   */
  async function finish(spec: string, faults: string, loads: Load[]): Promise<void> {
    await Promise.all(loads.map(({ load }) => load.stop()));
    const tally = new StatusTally();
    for (const { load } of loads) {
      tally.total += load.tally.total;
      for (const [k, v] of Object.entries(load.tally.byClass)) tally.byClass[k] = (tally.byClass[k] ?? 0) + v;
    }
    const accepted = loads.reduce((n, { load }) => n + load.accepted.size, 0);
    const row: SummaryRow = {
      spec,
      requests: tally.total,
      statuses: tally.toString(),
      faults,
      accepted,
      fiveHundreds: tally.fiveHundreds,
      hangs: tally.count('hung'),
    };
    rows.push(row);
    expect(loads.flatMap(({ load }) => load.bad).slice(0, 10)).toEqual([]);

    row.vectorized = 0;
    for (const { tenant, load } of loads) {
      expect(load.accepted.size).toBeGreaterThan(0);
      const counts = await untilVectorized(t, tenant.apiKey, load.accepted.size, { reconcile: false });
      row.vectorized += counts.vectorized;
      expect(counts).toEqual(
        expect.objectContaining({
          records: load.accepted.size,
          vectorized: load.accepted.size,
          pending: 0,
          failed: 0,
        }),
      );
      const ids = (await storedPoints(t, d.qdrant.url, tenant.id)).map((p) => String(p.external_id));
      expect(ids.sort()).toEqual([...load.accepted].sort());
    }
    console.log(
      `[reliability] ${spec}: ${tally.total} requests (${tally.toString()}), ${accepted} records accepted, ${row.vectorized} vectorized, one Qdrant point each`,
    );
  }

  it(
    'Qdrant stopped and restarted under load: search 503 at worst, readiness 503 while down, ingests still accepted, every record vectorized exactly once',
    async () => {
      const loads = await startLoad('qdrant');
      const readiness = new ReadinessLog(t);
      // The pipeline is flowing (collection created, vectors written) before the store goes away.
      await untilMidBatch(loads);

      for (const { load } of loads) load.faultActive = true;
      await d.qdrant.stop();
      const downAt = Date.now();
      await sleep(5_000);
      const waitingWhileDown = await pendingChanges(loads);
      const upAt = Date.now();
      await d.qdrant.start();
      for (const { load } of loads) load.faultActive = false;
      await eventually(async () => (await ready()) === 200, {
        timeoutMs: 30_000,
        what: 'readiness 200 after Qdrant is back',
      });
      const whileDown = readiness.within(downAt, upAt);
      await sleep(1_500);
      await readiness.stop();
      const after = readiness.within(upAt, Date.now());

      const acceptedWhileDown = loads.reduce((n, { load }) => n + load.acceptedDuringFault, 0);
      const searches503 = loads.reduce((n, { load }) => n + load.tally.count('503'), 0);
      console.log(
        `[reliability] qdrant fault: readiness while down ${JSON.stringify(whileDown)}, after ${JSON.stringify(after)}; ${acceptedWhileDown} records accepted while Qdrant was down; ${searches503} answers were 503`,
      );
      // Every probe asked while Qdrant was down said so, and readiness came back once it was up again.
      expect(whileDown.length).toBeGreaterThan(0);
      expect(whileDown.every((s) => s === 503)).toBe(true);
      expect(after[after.length - 1]).toBe(200);
      expect(acceptedWhileDown).toBeGreaterThan(0);

      await finish(
        'vector: qdrant stop/start',
        `1 (qdrant down ~${Math.round((upAt - downAt) / 1000)} s)`,
        loads,
      );
      // The outage did hit the worker: changes waited in the outbox and its retries alone brought them through.
      console.log(
        `[reliability] qdrant fault: ${waitingWhileDown} change(s) waited in the outbox while Qdrant was down; applied by the worker's retries (reconciler off)`,
      );
      expect(waitingWhileDown).toBeGreaterThan(0);
      expect(await pendingChanges(loads)).toBe(0);
    },
    FAULT_TEST_TIMEOUT_MS,
  );

  it(
    'worker SIGKILLed mid-batch under load, then a new worker started: every record vectorized exactly once',
    async () => {
      const loads = await startLoad('sigkill');
      const activeAtKill = await untilMidBatch(loads);
      await d.stopWorker('SIGKILL');
      const atKill = await Promise.all(loads.map(({ tenant }) => workItemCounts(t, tenant.apiKey)));
      // Ingests are still accepted with no worker at all; they wait in the outbox.
      for (const { load } of loads) load.faultActive = true;
      await sleep(2_000);
      const restartStarted = Date.now();
      await d.startWorker();
      const restartMs = Date.now() - restartStarted;
      for (const { load } of loads) load.faultActive = false;
      await sleep(1_500);

      const acceptedWithoutWorker = loads.reduce((n, { load }) => n + load.acceptedDuringFault, 0);
      console.log(
        `[reliability] worker SIGKILL with ${activeAtKill} batch(es) in hand; status at kill ${JSON.stringify(atKill)}; ${acceptedWithoutWorker} records accepted with no worker; new worker live in ${restartMs} ms`,
      );
      expect(acceptedWithoutWorker).toBeGreaterThan(0);

      await finish(
        'vector: worker SIGKILL mid-batch',
        `1 SIGKILL (${activeAtKill} batch(es) in hand)`,
        loads,
      );
    },
    FAULT_TEST_TIMEOUT_MS,
  );

  it(
    `worker sent SIGTERM mid-batch under load: exits 0 within SHUTDOWN_GRACE_MS (${WORKER_GRACE_MS} ms), leaves no batch locked, and nothing is lost`,
    async () => {
      const loads = await startLoad('sigterm');
      const activeAtSignal = await untilMidBatch(loads);
      const signalledAt = Date.now();
      const stopping = d.worker!;
      const exit = (await d.stopWorker('SIGTERM'))!;
      const exitMs = Date.now() - signalledAt;
      // The batches it held were finished or handed back: no lock is left behind.
      const heldAfterExit = await heldBatches();
      await sleep(1_000);
      await d.startWorker();
      await sleep(1_500);

      console.log(
        `[reliability] worker SIGTERM with ${activeAtSignal} batch(es) in hand: exit ${exit.code} (${exit.signal ?? 'no signal'}) after ${exitMs} ms; ${heldAfterExit} batch(es) held after exit`,
      );
      expect({ ...exit, output: exit.code === 0 ? '' : stopping.output() }).toEqual({
        code: 0,
        signal: null,
        output: '',
      });
      expect(exitMs).toBeLessThan(WORKER_GRACE_MS);
      expect(heldAfterExit).toBe(0);

      await finish('vector: worker SIGTERM mid-batch', `1 SIGTERM (exit 0 in ${exitMs} ms)`, loads);
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});
