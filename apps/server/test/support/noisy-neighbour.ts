import { Agent, request } from 'undici';

/** Questions the semantic layer answers (no LLM), asked with noCache so each one does real work. */
export const NEIGHBOUR_QUESTIONS = ['How many bugs are open?', 'Open PRs', 'Open incidents by priority'];

export interface NoisyNeighbourOptions {
  /** Where tenant A's flood goes: its connections are spread over these base URLs (one per API process). */
  floodUrls: string[];
  /** Where tenant B asks. */
  quietUrl: string;
  floodKey: string;
  quietKey: string;
  floodConnections: number;
  /** Tenant B alone, then B under A's flood. */
  aloneSeconds: number;
  floodSeconds: number;
}

export interface Tally {
  latenciesMs: number[];
  statuses: Map<number, number>;
  /** 429s that carried a Retry-After header. */
  retryAfter: number;
}

export interface NoisyNeighbourResult {
  quietAlone: Tally;
  quietUnderFlood: Tally;
  flood: Tally;
  floodSeconds: number;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export const count = (t: Tally, predicate: (status: number) => boolean): number =>
  [...t.statuses].reduce((n, [status, c]) => n + (predicate(status) ? c : 0), 0);

const tally = (): Tally => ({ latenciesMs: [], statuses: new Map(), retryAfter: 0 });

/** One closed-loop client: asks, waits for the answer, asks again (ignoring Retry-After) until `until`. */
async function client(
  dispatcher: Agent,
  baseUrl: string,
  apiKey: string,
  until: number,
  into: Tally,
  offset: number,
) {
  for (let i = offset; Date.now() < until; i++) {
    const started = performance.now();
    let status = 0;
    try {
      const res = await request(`${baseUrl}/v1/ai/query`, {
        method: 'POST',
        dispatcher,
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          question: NEIGHBOUR_QUESTIONS[i % NEIGHBOUR_QUESTIONS.length],
          options: { noCache: true },
        }),
      });
      await res.body.dump();
      status = res.statusCode;
      if (status === 429 && res.headers['retry-after'] !== undefined) into.retryAfter++;
    } catch {
      status = 0;
    }
    into.latenciesMs.push(performance.now() - started);
    into.statuses.set(status, (into.statuses.get(status) ?? 0) + 1);
  }
}

/**
 * Tenant B asks one question at a time, first alone, then while tenant A floods from many connections.
 * Each tenant has its own connection pool, as two client companies would.
 */
export async function runNoisyNeighbour(o: NoisyNeighbourOptions): Promise<NoisyNeighbourResult> {
  const quiet = new Agent({ connections: 1 });
  const loud = new Agent({ connections: o.floodConnections });
  try {
    const quietAlone = tally();
    await client(quiet, o.quietUrl, o.quietKey, Date.now() + o.aloneSeconds * 1000, quietAlone, 0);

    const flood = tally();
    const quietUnderFlood = tally();
    const started = Date.now();
    const until = started + o.floodSeconds * 1000;
    await Promise.all([
      ...Array.from({ length: o.floodConnections }, (_, i) =>
        client(loud, o.floodUrls[i % o.floodUrls.length], o.floodKey, until, flood, i),
      ),
      client(quiet, o.quietUrl, o.quietKey, until, quietUnderFlood, 0),
    ]);
    return { quietAlone, quietUnderFlood, flood, floodSeconds: (Date.now() - started) / 1000 };
  } finally {
    await Promise.all([quiet.close(), loud.close()]);
  }
}
