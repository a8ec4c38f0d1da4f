import { workItem } from '../support/records';
import type { TestApp } from '../support/test-app';
import { boundedRequest, hasErrorShape, sleep, StatusTally } from './reliability-support';

const REQUEST_BOUND_MS = 15_000;

/**
 * Each fault test waits for every accepted record to be vectorized by the CPU-bound bundled model, whose speed
 * on this shared 2-core machine varies fivefold with what else runs: the wait fails on a stall (no record
 * vectorized for STALL_MS), not on a clock, and the jest bound only catches a wait that never ends.
 */
export const FAULT_TEST_TIMEOUT_MS = 600_000;
const STALL_MS = 60_000;
const MAX_WAIT_MS = 420_000;

export interface WorkItemCounts {
  records: number;
  vectorized: number;
  pending: number;
  failed: number;
}

/** The tenant's work-item figures from /v1/etl/status; undefined when the status itself is unavailable. */
export async function workItemCounts(t: TestApp, apiKey: string): Promise<WorkItemCounts | undefined> {
  const res = await t.request({ method: 'GET', url: '/v1/etl/status', token: apiKey });
  return res.status === 200 ? (res.body.entities.work_items as WorkItemCounts) : undefined;
}

/**
 * Waits until the tenant has `expected` records vectorized and none pending, for as long as vectorization makes
 * progress. With `reconcile`, each poll that finds work left asks for a reconcile pass, as an operator (or the
 * next app start) would after a fault that lost queued jobs.
 */
export async function untilVectorized(
  t: TestApp,
  apiKey: string,
  expected: number,
  { reconcile = true }: { reconcile?: boolean } = {},
): Promise<WorkItemCounts> {
  const started = Date.now();
  let last: WorkItemCounts | undefined;
  let progressAt = started;
  for (;;) {
    const now = await workItemCounts(t, apiKey);
    if (now && now.vectorized >= expected && now.pending === 0) return now;
    if (now && (!last || now.vectorized > last.vectorized)) progressAt = Date.now();
    last = now ?? last;
    const stalled = Date.now() - progressAt > STALL_MS;
    if (stalled || Date.now() - started > MAX_WAIT_MS)
      throw new Error(
        `${expected} accepted records not vectorized: ${stalled ? `no progress for ${STALL_MS} ms` : `still going after ${MAX_WAIT_MS} ms`}; last status ${JSON.stringify(last)}`,
      );
    if (reconcile) await t.request({ method: 'POST', url: '/v1/admin/etl/reconcile', token: t.adminToken });
    await sleep(1_500);
  }
}

/**
 * A small mixed workload (ingest, search, status, embed, integrations) for one tenant, running on a few
 * concurrent loops through the in-process API while a fault is injected. Every record the API accepted is
 * remembered, so the test can check that each one ends up vectorized after the fault; every answer that is
 * a 500 (rather than a 503 or 4xx), lacks the error shape, or does not come within the bound is kept in `bad`.
 */
export class LoadLoop {
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
