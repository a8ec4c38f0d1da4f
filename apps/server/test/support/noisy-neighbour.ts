import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Agent, request } from 'undici';

/** Questions the semantic layer answers (no LLM), asked with noCache so each one does real work. */
export const NEIGHBOUR_QUESTIONS = ['How many bugs are open?', 'Open PRs', 'Open incidents by priority'];

/** How long tenant B asks, unmeasured, before B alone is measured. */
const WARM_UP_S = 4;

export interface NoisyNeighbourOptions {
  /** Where tenant A's flood goes: its connections are spread over these base URLs (one per API process). */
  floodUrls: string[];
  /** Where tenant B asks. */
  quietUrl: string;
  floodKey: string;
  quietKey: string;
  floodConnections: number;
  /** Tenant B alone, and B under A's flood, in total over all rounds. */
  aloneSeconds: number;
  floodSeconds: number;
  /** Alternating rounds of B alone and B under the flood (default 5). */
  rounds?: number;
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
  /** Seconds A flooded, over all rounds. */
  floodSeconds: number;
  /** A's bucket refills while B is alone: each round starts with a full burst. */
  rounds: number;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export const count = (t: Tally, predicate: (status: number) => boolean): number =>
  [...t.statuses].reduce((n, [status, c]) => n + (predicate(status) ? c : 0), 0);

export const tally = (): Tally => ({ latenciesMs: [], statuses: new Map(), retryAfter: 0 });

/** One closed-loop client: asks, waits for the answer, asks again (ignoring Retry-After) until `until`. */
export async function client(
  dispatcher: Agent,
  baseUrl: string,
  apiKey: string,
  until: number,
  into: Tally,
  offset: number,
) {
  for (let i = offset; Date.now() < until; i++) {
    const started = performance.now();
    const { status, retryAfter } = await ask(dispatcher, baseUrl, apiKey, i);
    if (status === 429 && retryAfter) into.retryAfter++;
    into.latenciesMs.push(performance.now() - started);
    into.statuses.set(status, (into.statuses.get(status) ?? 0) + 1);
  }
}

/** One question (the i-th of NEIGHBOUR_QUESTIONS, in turn); status 0 when the request failed. */
async function ask(
  dispatcher: Agent,
  baseUrl: string,
  apiKey: string,
  i: number,
): Promise<{ status: number; retryAfter: boolean }> {
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
    return { status: res.statusCode, retryAfter: res.headers['retry-after'] !== undefined };
  } catch {
    return { status: 0, retryAfter: false };
  }
}

/** What the flood process reports for one burst: its tally (statuses as pairs) and when it started and stopped. */
export interface FloodReport {
  latenciesMs: number[];
  statuses: [number, number][];
  retryAfter: number;
  startedAt: number;
  endedAt: number;
}

/** Messages from the flood process, one JSON line each. */
export type FloodMessage = { ready: true } | { startedAt: number } | { report: FloodReport };

/**
 * Tenant A's flood runs in a process of its own (flood-client.ts), as another client company's machines would:
 * B's latencies are then timed on an event loop that is not also busy with A's thousands of responses. The
 * process stays up between bursts, so its start-up never overlaps a measurement.
 */
class FloodProcess {
  private readonly child: ChildProcess;
  private readonly waiters: ((message: FloodMessage) => void)[] = [];
  private readonly exited: Promise<number | null>;

  constructor(o: NoisyNeighbourOptions) {
    this.child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', path.join(__dirname, 'flood-client.ts')],
      {
        cwd: path.resolve(__dirname, '../../../..'),
        stdio: ['pipe', 'pipe', 'inherit'],
        env: {
          ...process.env,
          FLOOD_OPTIONS: JSON.stringify({
            urls: o.floodUrls,
            apiKey: o.floodKey,
            connections: o.floodConnections,
          }),
        },
      },
    );
    createInterface({ input: this.child.stdout! }).on('line', (line) =>
      this.waiters.shift()?.(JSON.parse(line) as FloodMessage),
    );
    this.exited = new Promise((resolve) => this.child.once('exit', resolve));
  }

  private next(): Promise<FloodMessage> {
    return Promise.race([
      new Promise<FloodMessage>((resolve) => this.waiters.push(resolve)),
      this.exited.then((code) => Promise.reject(new Error(`flood process exited (${code})`))),
    ]);
  }

  async ready(): Promise<void> {
    await this.next();
  }

  /** Floods for `seconds`; `onStart` is called when A's connections start. */
  async burst(seconds: number, onStart: (startedAt: number) => void): Promise<FloodReport> {
    this.child.stdin!.write(`${JSON.stringify({ seconds })}\n`);
    const started = (await this.next()) as { startedAt: number };
    onStart(started.startedAt);
    return ((await this.next()) as { report: FloodReport }).report;
  }

  async stop(): Promise<void> {
    this.child.stdin!.end();
    await this.exited;
  }
}

/**
 * Tenant B asks one question at a time, alone and while tenant A floods from many connections, in alternating
 * rounds (`rounds` of each, 5 by default), so that a change in the machine's other load falls on both phases
 * alike. Each tenant has its own connection pool, as two client companies would.
 */
export async function runNoisyNeighbour(o: NoisyNeighbourOptions): Promise<NoisyNeighbourResult> {
  const quiet = new Agent({ connections: 1 });
  const floodProcess = new FloodProcess(o);
  const rounds = o.rounds ?? 5;
  try {
    await floodProcess.ready();
    // Both tenants' first questions load their vocabularies, and the first hundreds get the server's code
    // optimised: measure the steady state that follows, alone and under the flood alike.
    for (const url of o.floodUrls)
      for (let i = 0; i < NEIGHBOUR_QUESTIONS.length; i++) await ask(quiet, url, o.floodKey, i);
    await client(quiet, o.quietUrl, o.quietKey, Date.now() + WARM_UP_S * 1000, tally(), 0);

    const quietAlone = tally();
    const quietUnderFlood = tally();
    const flood = tally();
    let floodMs = 0;
    for (let round = 0; round < rounds; round++) {
      await client(
        quiet,
        o.quietUrl,
        o.quietKey,
        Date.now() + (o.aloneSeconds * 1000) / rounds,
        quietAlone,
        0,
      );
      let quietDone: Promise<void> | undefined;
      const report = await floodProcess.burst(o.floodSeconds / rounds, (startedAt) => {
        const until = startedAt + (o.floodSeconds * 1000) / rounds;
        quietDone = client(quiet, o.quietUrl, o.quietKey, until, quietUnderFlood, 0);
      });
      await quietDone;
      flood.latenciesMs.push(...report.latenciesMs);
      for (const [status, n] of report.statuses)
        flood.statuses.set(status, (flood.statuses.get(status) ?? 0) + n);
      flood.retryAfter += report.retryAfter;
      floodMs += report.endedAt - report.startedAt;
    }
    return { quietAlone, quietUnderFlood, flood, floodSeconds: floodMs / 1000, rounds };
  } finally {
    await Promise.all([quiet.close(), floodProcess.stop()]);
  }
}
