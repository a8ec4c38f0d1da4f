import type { TestApp } from '../support/test-app';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

export interface Outcome {
  status: number;
  body: any;
  ms: number;
  /** True when the request did not finish within the bound (counted as a hang, never retried). */
  hung?: boolean;
  /** Set when inject itself threw (a crash in the HTTP layer, not an HTTP status). */
  thrown?: string;
}

/**
 * Sends one request through the in-process app with a hard time bound, so a hanging handler shows up as a
 * finding instead of a jest timeout with no context.
 */
export async function boundedRequest(
  t: TestApp,
  req: Parameters<TestApp['request']>[0],
  boundMs = 15_000,
): Promise<Outcome> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ status: 0, body: undefined, ms: boundMs, hung: true }), boundMs);
  });
  const done = t.request(req).then(
    (r) => ({ status: r.status, body: r.body, ms: Date.now() - started }),
    (err: unknown) => ({ status: 0, body: undefined, ms: Date.now() - started, thrown: String(err) }),
  );
  try {
    return await Promise.race([done, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Counts responses by status class ("2xx", "4xx", "503", "500"...), keeping 5xx statuses apart. */
export class StatusTally {
  readonly byClass: Record<string, number> = {};
  total = 0;

  add(status: number, hung = false): void {
    this.total++;
    const key = hung
      ? 'hung'
      : status === 0
        ? 'crash'
        : status >= 500
          ? String(status)
          : `${Math.floor(status / 100)}xx`;
    this.byClass[key] = (this.byClass[key] ?? 0) + 1;
  }

  count(key: string): number {
    return this.byClass[key] ?? 0;
  }

  get fiveHundreds(): number {
    return Object.entries(this.byClass)
      .filter(([k]) => /^5\d\d$/.test(k) && k !== '503')
      .reduce((n, [, v]) => n + v, 0);
  }

  toString(): string {
    return Object.keys(this.byClass)
      .sort()
      .map((k) => `${k}=${this.byClass[k]}`)
      .join(' ');
  }
}

/** True when the body is the documented error shape `{"error": {"code", "message"}, "requestId"}`. */
export function hasErrorShape(body: any): boolean {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof body.requestId === 'string' &&
    typeof body.error === 'object' &&
    body.error !== null &&
    typeof body.error.code === 'string' &&
    /^[A-Z_]+$/.test(body.error.code) &&
    typeof body.error.message === 'string'
  );
}

/**
 * One row of the suite's summary table. Each spec prints its own rows in afterAll, so the figures appear in
 * the CI log even when jest runs the specs in separate workers.
 */
export interface SummaryRow {
  spec: string;
  requests: number;
  statuses: string;
  faults?: string;
  accepted?: number;
  vectorized?: number;
  leaks?: number;
  fiveHundreds: number;
  hangs?: number;
}

export function printSummary(rows: SummaryRow[]): void {
  const head = ['spec', 'requests', 'statuses', 'faults', 'accepted', 'vectorized', 'leaks', '500s', 'hangs'];
  const lines = rows.map((r) => [
    r.spec,
    String(r.requests),
    r.statuses,
    r.faults ?? '-',
    r.accepted === undefined ? '-' : String(r.accepted),
    r.vectorized === undefined ? '-' : String(r.vectorized),
    r.leaks === undefined ? '-' : String(r.leaks),
    String(r.fiveHundreds),
    r.hangs === undefined ? '-' : String(r.hangs),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  console.log(
    ['[reliability]', fmt(head), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)].join('\n'),
  );
}

/** Runs tasks with at most `concurrency` in flight. */
export async function runPool<T>(
  items: T[],
  concurrency: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
