import { appendFileSync, existsSync, readFileSync } from 'node:fs';
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
 * One row of the suite's summary table. Each spec prints its own rows in afterAll (so the figures sit next to
 * the spec's output) and appends them to the run's summary file, which the global teardown prints as one
 * combined table with totals at the end of the run.
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

/** Set by the global setup: where this run's summary rows are collected (one JSON object per line). */
export const SUMMARY_FILE_ENV = 'PULSE_RELIABILITY_SUMMARY';

export function formatSummary(rows: SummaryRow[], title = '[reliability]'): string {
  const head = ['spec', 'requests', 'statuses', 'faults', 'accepted', 'vectorized', 'leaks', '500s', 'hangs'];
  const optional = (n: number | undefined) => (n === undefined ? '-' : String(n));
  const lines = rows.map((r) => [
    r.spec,
    String(r.requests),
    r.statuses,
    r.faults ?? '-',
    optional(r.accepted),
    optional(r.vectorized),
    optional(r.leaks),
    String(r.fiveHundreds),
    optional(r.hangs),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  return [title, fmt(head), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)].join('\n');
}

export function printSummary(rows: SummaryRow[]): void {
  console.log(formatSummary(rows));
  const file = process.env[SUMMARY_FILE_ENV];
  if (file && rows.length) appendFileSync(file, rows.map((r) => JSON.stringify(r) + '\n').join(''));
}

/** The combined table of every row the run's specs recorded, with a totals row; undefined when there are none. */
export function combinedSummary(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  const rows = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as SummaryRow);
  if (rows.length === 0) return undefined;
  const sum = (pick: (r: SummaryRow) => number | undefined) =>
    rows.some((r) => pick(r) !== undefined) ? rows.reduce((n, r) => n + (pick(r) ?? 0), 0) : undefined;
  const statuses: Record<string, number> = {};
  for (const r of rows)
    for (const part of r.statuses.split(' ').filter(Boolean)) {
      const [k, v] = part.split('=');
      statuses[k] = (statuses[k] ?? 0) + Number(v);
    }
  const total: SummaryRow = {
    spec: 'TOTAL',
    requests: rows.reduce((n, r) => n + r.requests, 0),
    statuses: Object.keys(statuses)
      .sort()
      .map((k) => `${k}=${statuses[k]}`)
      .join(' '),
    faults: `${rows.filter((r) => r.faults).length} fault scenarios`,
    accepted: sum((r) => r.accepted),
    vectorized: sum((r) => r.vectorized),
    leaks: sum((r) => r.leaks),
    fiveHundreds: rows.reduce((n, r) => n + r.fiveHundreds, 0),
    hangs: sum((r) => r.hangs),
  };
  return formatSummary([...rows, total], '[reliability] combined summary of this run');
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
