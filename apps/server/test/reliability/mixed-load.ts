/**
 * The mixed closed-loop workload of the reliability suite (apps/server/test/reliability/load.e2e-spec.ts) and of
 * `npm run bench:load`: questions (repeated, so the answer cache serves most of them), semantic searches
 * (repeated queries), embeds, small ingests and status reads, from clients spread over two or more tenants,
 * against a server on a real port. Each client sends its next request as soon as the previous one has
 * answered, so enough clients saturate the server: the throughput measured is the highest rate it sustains.
 */
import { percentile } from '@app/metrics';
import { workItem } from '../support/records';
import { StatusTally } from './reliability-support';

export type LoadKind = 'query' | 'search' | 'embed' | 'ingest' | 'status' | 'live';

/**
 * One turn of a client through the mixed workload, one entry per share. Ingests are 1 in 10 and carry
 * INGEST_RECORDS records each: every ingested record costs the bundled model real work (~25-140 texts/s on
 * 2 cores, shared with everything else). Measured at saturation on 2 cores: ~35-47 records/s accepted while
 * ~27 records/s get vectorized, so 120 s leave a backlog of ~1-2k records, drained in about a minute; a
 * larger share or batch would make the drain after the run grow with the request rate instead.
 */
export const MIXED_WORKLOAD: readonly LoadKind[] = [
  'query',
  'search',
  'status',
  'query',
  'embed',
  'search',
  'query',
  'status',
  'embed',
  'ingest',
];
export const INGEST_RECORDS = 2;

/** "30% query, 20% search, ...", for headings. */
export function describeMix(mix: readonly LoadKind[]): string {
  const counts = new Map<LoadKind, number>();
  for (const kind of mix) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return [...counts].map(([kind, n]) => `${Math.round((100 * n) / mix.length)}% ${kind}`).join(', ');
}

/** Questions the zero-cost semantic layer answers (see apps/server/test/query.e2e-spec.ts); asked over and over. */
export const LOAD_QUESTIONS = [
  'Open PRs by repository',
  'Deployment frequency per week in production',
  'Change failure rate last 30 days',
  'Merged PRs by author since March',
  'How many work items were created this week?',
  'Work items by status',
];

export const LOAD_SEARCHES = [
  'checkout fails with a timeout',
  'payment retries exhaust the pool',
  'flaky integration test',
  'deploy rolled back',
  'slow search results page',
];

/** Ingests `count` fresh work items for a tenant (something for searches to find); returns how many were accepted. */
export async function seedWorkItems(baseUrl: string, apiKey: string, count: number): Promise<number> {
  const res = await fetch(`${baseUrl}/v1/etl/work_items/records`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ records: Array.from({ length: count }, () => workItem()) }),
  });
  const body = (await res.json()) as { accepted: number };
  if (res.status !== 202) throw new Error(`seeding failed: ${res.status} ${JSON.stringify(body)}`);
  return body.accepted;
}

export interface LoadSample {
  kind: LoadKind;
  /** Index of the tenant (its API key) the request was sent as. */
  tenant: number;
  ms: number;
  /** 0 when no response came (connection error or timeout). */
  status: number;
  /** No response within the per-request timeout. */
  hung?: boolean;
  /** A connection-level failure (reset, refused). */
  error?: string;
  /** The parsed body of a non-2xx response, to check its error shape. */
  errorBody?: unknown;
  /** For a 200 answer to a question: served from the answer cache (a hit whose tables no write changed since). */
  fromCache?: boolean;
}

export interface MixedLoadOptions {
  baseUrl: string;
  /** One API key per tenant; clients are spread evenly over them. */
  apiKeys: string[];
  seconds: number;
  clients: number;
  mix?: readonly LoadKind[];
  /** A request without a response after this long counts as a hang. */
  requestTimeoutMs?: number;
  /** Makes the ingested externalIds unique across runs against the same tenants. */
  idPrefix?: string;
  /**
   * Ingests cycle over this many externalIds (updates with new text) instead of always creating records, so
   * the data stays the same size and a soak's RSS slope shows leaks rather than a growing dataset.
   */
  idPool?: number;
  /**
   * Keep every request's sample (the default); false keeps only the failures, so that a long run's generator
   * does not grow (~80 bytes a request). Every request is counted in `tally` either way.
   */
  keepAllSamples?: boolean;
  /** A full garbage collection (v8's gc); given, the heap is measured after one every GC_EVERY_MS. */
  gc?: () => void;
}

/** A non-2xx response, or no response at all. */
export const isFailure = (s: LoadSample): boolean => s.status < 200 || s.status >= 300;

/** Latencies (ms) of one kind of request in a growing Float64Array: 8 bytes a request, not an object. */
class Latencies {
  private data = new Float64Array(1024);
  length = 0;

  push(ms: number): void {
    if (this.length === this.data.length) {
      const grown = new Float64Array(2 * this.length);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = ms;
  }

  values(): number[] {
    return Array.from(this.data.subarray(0, this.length));
  }
}

/** Every request's outcome, counted: what summarizeLoad needs, in memory that hardly grows with the run. */
export class LoadTally {
  readonly byKind = new Map<LoadKind, { latencies: Latencies; failures: number }>();
  readonly statuses = new StatusTally();
  /** Questions answered (200), and how many of them the answer cache served. */
  readonly answers = { total: 0, fromCache: 0 };

  add(sample: LoadSample): void {
    let kind = this.byKind.get(sample.kind);
    if (!kind) this.byKind.set(sample.kind, (kind = { latencies: new Latencies(), failures: 0 }));
    kind.latencies.push(sample.ms);
    if (isFailure(sample)) kind.failures++;
    this.statuses.add(sample.status, sample.hung);
    if (sample.kind === 'query' && sample.status === 200) {
      this.answers.total++;
      if (sample.fromCache) this.answers.fromCache++;
    }
  }
}

/** [minutes since the start of the run, MB]. */
export type MemorySeries = [number, number][];

/** This process's memory during a run, from process.memoryUsage(), in MB. */
export interface MemoryTrace {
  /** Once a second. */
  rss: MemorySeries;
  /** The JS heap V8 has committed; under load it grows to a multiple of what is live before it collects. */
  heapTotal: MemorySeries;
  heapUsed: MemorySeries;
  /** C++ objects bound to JS ones, array buffers included. */
  external: MemorySeries;
  arrayBuffers: MemorySeries;
  /**
   * heapUsed right after a forced full GC, i.e. what is still reachable, every GC_EVERY_MS; empty unless the
   * options had a `gc`.
   */
  heapAfterGc: MemorySeries;
}

const MB = 2 ** 20;
const GC_EVERY_MS = 15_000;

function traceMemory(started: number, gc?: () => void): { trace: MemoryTrace; stop(): void } {
  const trace: MemoryTrace = {
    rss: [],
    heapTotal: [],
    heapUsed: [],
    external: [],
    arrayBuffers: [],
    heapAfterGc: [],
  };
  const minutes = () => (Date.now() - started) / 60_000;
  const everySecond = setInterval(() => {
    const m = process.memoryUsage();
    const t = minutes();
    trace.rss.push([t, m.rss / MB]);
    trace.heapTotal.push([t, m.heapTotal / MB]);
    trace.heapUsed.push([t, m.heapUsed / MB]);
    trace.external.push([t, m.external / MB]);
    trace.arrayBuffers.push([t, m.arrayBuffers / MB]);
  }, 1000);
  const collecting =
    gc &&
    setInterval(() => {
      gc();
      trace.heapAfterGc.push([minutes(), process.memoryUsage().heapUsed / MB]);
    }, GC_EVERY_MS);
  return {
    trace,
    stop() {
      clearInterval(everySecond);
      clearInterval(collecting);
    },
  };
}

export interface MixedLoadResult {
  /** Every request's outcome, or only the failures' (keepAllSamples: false). */
  samples: LoadSample[];
  tally: LoadTally;
  /** Wall time of the run, seconds. */
  seconds: number;
  /** Per tenant (same order as apiKeys): externalIds of the records ingests were answered 202 for, once each. */
  accepted: string[][];
  memory: MemoryTrace;
  /** memory.rss. */
  rss: MemorySeries;
}

/** The request for a client's `n`th turn at `kind`. */
function requestFor(
  kind: LoadKind,
  n: number,
  newIds: () => string[],
): { path: string; body?: unknown; ids?: string[] } {
  switch (kind) {
    case 'query':
      return { path: '/v1/ai/query', body: { question: LOAD_QUESTIONS[n % LOAD_QUESTIONS.length] } };
    case 'search':
      return { path: '/v1/ai/search', body: { query: LOAD_SEARCHES[n % LOAD_SEARCHES.length], limit: 10 } };
    case 'embed':
      return {
        path: '/v1/ai/embed',
        body: { texts: [LOAD_SEARCHES[n % LOAD_SEARCHES.length], `text ${n % 50}`] },
      };
    case 'ingest': {
      const ids = newIds();
      return {
        path: '/v1/etl/work_items/records',
        body: { records: ids.map((externalId) => workItem({ externalId })) },
        ids,
      };
    }
    case 'status':
      return { path: '/v1/etl/status' };
    case 'live':
      return { path: '/health/live' };
  }
}

/** Runs the closed-loop clients for `seconds` and returns every request's outcome. */
export async function runMixedLoad({
  baseUrl,
  apiKeys,
  seconds,
  clients,
  mix = MIXED_WORKLOAD,
  requestTimeoutMs = 30_000,
  idPrefix = `L${Date.now().toString(36)}`,
  idPool,
  keepAllSamples = true,
  gc,
}: MixedLoadOptions): Promise<MixedLoadResult> {
  const samples: LoadSample[] = [];
  const tally = new LoadTally();
  // Sets: with an idPool the same ids come back, and a record counts once.
  const accepted = apiKeys.map(() => new Set<string>());
  const started = Date.now();
  const end = started + seconds * 1000;
  const memory = traceMemory(started, gc);
  let seq = 0;
  const newIds = () =>
    Array.from({ length: INGEST_RECORDS }, () => `${idPrefix}-${idPool ? ++seq % idPool : ++seq}`);

  const client = async (c: number) => {
    const tenant = c % apiKeys.length;
    // Per kind, so every question and search text comes round whatever the mix's length.
    const turns = new Map<LoadKind, number>();
    for (let i = c; Date.now() < end; i++) {
      const kind = mix[i % mix.length];
      const n = (turns.get(kind) ?? c) + 1;
      turns.set(kind, n);
      const req = requestFor(kind, n, newIds);
      const sample: LoadSample = { kind, tenant, ms: 0, status: 0 };
      const t0 = performance.now();
      try {
        const res = await fetch(`${baseUrl}${req.path}`, {
          method: req.body === undefined ? 'GET' : 'POST',
          headers: {
            authorization: `Bearer ${apiKeys[tenant]}`,
            ...(req.body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: req.body === undefined ? undefined : JSON.stringify(req.body),
          signal: AbortSignal.timeout(requestTimeoutMs),
        });
        const text = await res.text();
        sample.status = res.status;
        if (res.status >= 300 || kind === 'query' || kind === 'ingest') {
          const body = parseJson(text);
          if (res.status >= 300) sample.errorBody = body;
          // A stale hit (its tables written since) is re-run, so only a fresh hit was served from the cache.
          else if (kind === 'query')
            sample.fromCache = body?.cache?.hit === true && body.cache.fresh === true;
          else if (res.status === 202 && req.ids) {
            const rejected = new Set((body?.rejected ?? []).map((r: { index: number }) => r.index));
            for (const [i, id] of req.ids.entries()) if (!rejected.has(i)) accepted[tenant].add(id);
          }
        }
      } catch (err) {
        if (err instanceof Error && err.name === 'TimeoutError') sample.hung = true;
        // fetch reports a reset or refused connection as "fetch failed", the reason in its cause.
        else
          sample.error = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
      }
      sample.ms = performance.now() - t0;
      tally.add(sample);
      if (keepAllSamples || isFailure(sample)) samples.push(sample);
    }
  };
  try {
    await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
  } finally {
    memory.stop();
  }
  return {
    samples,
    tally,
    seconds: (Date.now() - started) / 1000,
    accepted: accepted.map((ids) => [...ids]),
    memory: memory.trace,
    rss: memory.trace.rss,
  };
}

function parseJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Least-squares slope of y over x. */
export function slope(points: [number, number][]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

/** Growth in MB/min of a memory series (RSS, heap, ...), the first 20% (model load, caches filling) left out as warm-up. */
export function rssSlope(series: MemorySeries): number {
  return slope(series.slice(Math.floor(series.length / 5)));
}

export interface KindFigures {
  requests: number;
  throughput: number;
  p50: number;
  p99: number;
  /** Responses that were not 2xx, and requests without any response. */
  failures: number;
}

export interface LoadSummary extends KindFigures {
  byKind: Partial<Record<LoadKind, KindFigures>>;
  statuses: StatusTally;
  /** Questions answered (200), and how many of them the answer cache served. */
  answers: { total: number; fromCache: number };
}

function figures(latencies: number[], failures: number, seconds: number): KindFigures {
  return {
    requests: latencies.length,
    throughput: latencies.length / seconds,
    p50: percentile(latencies, 50) ?? NaN,
    p99: percentile(latencies, 99) ?? NaN,
    failures,
  };
}

export function summarizeLoad({ tally, seconds }: Pick<MixedLoadResult, 'tally' | 'seconds'>): LoadSummary {
  const byKind: LoadSummary['byKind'] = {};
  for (const [kind, k] of tally.byKind) byKind[kind] = figures(k.latencies.values(), k.failures, seconds);
  const kinds = [...tally.byKind.values()];
  return {
    ...figures(
      kinds.flatMap((k) => k.latencies.values()),
      kinds.reduce((n, k) => n + k.failures, 0),
      seconds,
    ),
    byKind,
    statuses: tally.statuses,
    answers: { ...tally.answers },
  };
}

/** Requests, req/s, p50 and p99 overall and per kind, as a text table. */
export function formatLoadTable(summary: LoadSummary): string {
  const row = (name: string, f: KindFigures) => [
    name,
    String(f.requests),
    f.throughput.toFixed(1),
    f.p50.toFixed(1),
    f.p99.toFixed(1),
    String(f.failures),
  ];
  const lines = [
    ['kind', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx'],
    row('all', summary),
    ...Object.entries(summary.byKind).map(([kind, f]) => row(kind, f)),
  ];
  const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  return lines
    .map((l) => l.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '))
    .join('\n');
}
