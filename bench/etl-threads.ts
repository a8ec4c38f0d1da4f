/**
 * `npm run bench:etl -- --threads-compare`: which EMBEDDING_THREADS suits one process (role `all`) that both
 * vectorizes and serves the API on a 2-core machine. Each round boots the whole application with a thread
 * count (1 and 2 alternate, 1-2-2-1…, so drift in the machine's load hits both alike), COPYs ~100-word work
 * items as another program would, and while the worker drains them a client sends 10 requests a second:
 * a question answered from the cache and a search whose text is new (so it needs the model, through the
 * batcher's interactive lane). Reported per thread count: vectorization texts/s (COPY → all searchable) and
 * the API's p50/p99, medians over the rounds.
 */
import { Client } from 'pg';
import os from 'node:os';
import { AppConfig } from '@app/config';
import { EmbeddingProvider } from '@app/embedding';
import { percentile } from '@app/metrics';
import { copyWorkItems } from './etl-direct-writes';
import { realLengthWorkItems } from './etl-real-length-trickle';
import type { BenchFigure } from './report-schema';
import { round, startBenchApp } from './support';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const QUESTION = 'how many work items are open?';
const REQUESTS_PER_S = 10;

interface Round {
  threads: number;
  textsPerS: number;
  questionMs: number[];
  searchMs: number[];
}

async function oneRound(threads: number, records: number, round_: number): Promise<Round> {
  const bench = await startBenchApp(`threads_${threads}_${round_}`, {
    EMBEDDING_THREADS: String(threads),
    RECONCILE_INTERVAL_S: '0',
  });
  try {
    const { app, baseUrl } = bench.server;
    const tenant = await bench.server.createTenant(`bench-threads-${round_}`);
    await app.get(EmbeddingProvider).init();
    const post = async (url: string, body: unknown): Promise<number> => {
      const started = performance.now();
      const res = await fetch(`${baseUrl}${url}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
      return performance.now() - started;
    };
    // The question's answer is cached before the clock starts: what is measured is a cached answer's latency.
    await post('/v1/ai/query', { question: QUESTION });

    const items = realLengthWorkItems(records, `T${round_}`);
    const ids = items.map((r) => String(r.externalId));
    const client = new Client({ connectionString: app.get(AppConfig).database.url });
    await client.connect();
    const pool = new Client({ connectionString: app.get(AppConfig).database.url });
    await pool.connect();
    const started = performance.now();
    try {
      await copyWorkItems(client, tenant.id, items);
    } finally {
      await client.end();
    }
    let drained = false;
    const questionMs: number[] = [];
    const searchMs: number[] = [];
    const load = (async () => {
      for (let i = 0; !drained; i++) {
        const due = started + (i * 1000) / REQUESTS_PER_S;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        if (i % 2 === 0) questionMs.push(await post('/v1/ai/query', { question: QUESTION }));
        else
          searchMs.push(
            await post('/v1/ai/search', { query: `checkout errors after deploy ${round_}-${i}`, limit: 5 }),
          );
      }
    })();
    try {
      for (;;) {
        const { rows } = await pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM work_items
            WHERE tenant_id = $1 AND external_id = ANY($2) AND vector_hash = content_hash`,
          [tenant.id, ids],
        );
        if (rows[0].n >= ids.length) break;
        await sleep(200);
      }
    } finally {
      drained = true;
      await load;
      await pool.end();
    }
    const textsPerS = records / ((performance.now() - started) / 1000);
    return { threads, textsPerS, questionMs, searchMs };
  } finally {
    await bench.close();
  }
}

export async function compareThreads({
  rounds,
  records,
}: {
  rounds: number;
  records: number;
}): Promise<{ figures: BenchFigure[]; notes: string[] }> {
  const results: Round[] = [];
  console.log(
    `EMBEDDING_THREADS 1 vs 2, role all, ${records} ~100-word rows COPYed per round while a client sends ` +
      `${REQUESTS_PER_S} requests/s (cached question, new search); load ${os.loadavg()[0].toFixed(2)}`,
  );
  for (let r = 0; r < rounds * 2; r++) {
    // 1-2-2-1-1-2…: each thread count goes first as often as the other.
    const threads = [1, 2, 2, 1][r % 4];
    const result = await oneRound(threads, records, r);
    results.push(result);
    console.log(
      `  round ${r + 1} threads ${threads}: ${round(result.textsPerS)} texts/s; question p50 ${round(
        percentile(result.questionMs, 50) ?? NaN,
      )} ms p99 ${round(percentile(result.questionMs, 99) ?? NaN)} ms; search p50 ${round(
        percentile(result.searchMs, 50) ?? NaN,
      )} ms p99 ${round(percentile(result.searchMs, 99) ?? NaN)} ms (load ${os.loadavg()[0].toFixed(2)})`,
    );
  }
  const summary = (threads: number) => {
    const mine = results.filter((r) => r.threads === threads);
    const sorted = mine.map((r) => r.textsPerS).sort((a, b) => a - b);
    const middle = sorted.length >> 1;
    const all = (pick: (r: Round) => number[]) => mine.flatMap(pick);
    return {
      textsPerS: sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2,
      question: [
        percentile(
          all((r) => r.questionMs),
          50,
        ) ?? NaN,
        percentile(
          all((r) => r.questionMs),
          99,
        ) ?? NaN,
      ],
      search: [
        percentile(
          all((r) => r.searchMs),
          50,
        ) ?? NaN,
        percentile(
          all((r) => r.searchMs),
          99,
        ) ?? NaN,
      ],
    };
  };
  const [one, two] = [summary(1), summary(2)];
  console.log('');
  console.log('threads  texts/s  question p50/p99 ms  search p50/p99 ms');
  for (const [t, s] of [
    [1, one],
    [2, two],
  ] as const)
    console.log(
      `${String(t).padStart(7)}  ${round(s.textsPerS).toString().padStart(7)}  ${`${round(s.question[0])} / ${round(
        s.question[1],
      )}`.padStart(19)}  ${`${round(s.search[0])} / ${round(s.search[1])}`.padStart(17)}`,
    );
  const figures: BenchFigure[] = [
    {
      label: 'vectorization with the API under load, EMBEDDING_THREADS=2 (role all, ~100-word texts)',
      value: round(two.textsPerS),
      unit: 'texts/s',
      baseline: { label: 'same, EMBEDDING_THREADS=1', value: round(one.textsPerS) },
    },
    ...(['question', 'search'] as const).flatMap((kind) =>
      ([0, 1] as const).map((q) => ({
        label: `${kind === 'question' ? 'cached question' : 'search (new text)'} ${q === 0 ? 'p50' : 'p99'} while vectorizing, EMBEDDING_THREADS=2`,
        value: round(two[kind][q]),
        unit: 'ms',
        baseline: { label: 'same, EMBEDDING_THREADS=1', value: round(one[kind][q]) },
      })),
    ),
  ];
  return {
    figures,
    notes: [
      `${rounds * 2} rounds alternating 1-2-2-1, each a fresh app (role all, embedded store) and ${records} COPYed rows; texts/s are the median round, latencies pooled over the rounds`,
    ],
  };
}
