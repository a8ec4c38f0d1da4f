/**
 * Vector store benchmark: both adapters on the same clustered 384-d data, two tenants, in one run.
 * For each: insert rate, memory, search p50/p99 (every search is tenant-scoped) unfiltered and with a payload
 * filter (common ~20% and rare ~0.5%), recall@10 against exact search, and exact brute force in plain JS as
 * the baseline the speed-up is measured against.
 *
 *   npm run bench:vector                     # 100k points, embedded and Qdrant
 *   npm run bench:vector -- --n 20000        # smaller
 *   npm run bench:vector -- --1m             # 1M points (slow: the HNSW build is single-threaded)
 *   npm run bench:vector -- --adapters embedded --qdrant-n 50000
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QdrantClient } from '@qdrant/js-client-rest';
import { Command } from 'commander';
import {
  collectionName,
  EmbeddedVectorStoreAdapter,
  QdrantVectorStoreAdapter,
  type CollectionSpec,
  type VectorFilter,
  type VectorPoint,
  type VectorStore,
} from '@app/vector';
import { startQdrantTestServer } from '../libs/vector/src/testing/qdrant-test-server';
import { writeBenchResult, type BenchFigure } from './report-schema';
import { SeededRandom } from '@app/common';

const program = new Command()
  .option('--n <points>', 'points in total (split over two tenants)', (v) => Number.parseInt(v, 10), 100_000)
  .option('--1m', 'one million points')
  .option('--qdrant-n <points>', 'points for Qdrant (default: same as --n)', (v) => Number.parseInt(v, 10))
  .option('--dims <dims>', 'dimensions', (v) => Number.parseInt(v, 10), 384)
  .option('--queries <count>', 'queries per kind', (v) => Number.parseInt(v, 10), 200)
  .option('--adapters <list>', 'comma-separated: embedded,qdrant', 'embedded,qdrant')
  .option('--ef <ef>', 'HNSW ef at search time', (v) => Number.parseInt(v, 10), 128)
  .option('--batch <size>', 'points per upsert call', (v) => Number.parseInt(v, 10), 1000)
  .parse();
const opts = program.opts<{
  n: number;
  '1m'?: boolean;
  qdrantN?: number;
  dims: number;
  queries: number;
  adapters: string;
  ef: number;
  batch: number;
}>();
const N = opts['1m'] ? 1_000_000 : opts.n;
const DIMS = opts.dims;
const TENANTS = ['tenant-a', 'tenant-b'];
const STATUSES = ['todo', 'in_progress', 'in_review', 'done', 'cancelled'];
const CLUSTERS = 200;
const K = 10;

function log(msg: string): void {
  process.stderr.write(`[bench:vector] ${msg}\n`);
}

/** Clustered data: points are a random centre plus Gaussian noise (same-cluster cosine ≈ 0.8). */
function generate(count: number, seed: number, centres: Float32Array): Float32Array {
  const random = new SeededRandom(seed).next;
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const out = new Float32Array(count * DIMS);
  for (let i = 0; i < count; i++) {
    const c = Math.floor(random() * CLUSTERS) * DIMS;
    for (let d = 0; d < DIMS; d++) out[i * DIMS + d] = centres[c + d] + 0.5 * gauss();
  }
  return out;
}

function makeCentres(): Float32Array {
  const random = new SeededRandom(1).next;
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Float32Array.from({ length: CLUSTERS * DIMS }, gauss);
}

interface Dataset {
  n: number;
  vectors: Float32Array;
  /** Unit-length copies for exact search. */
  unit: Float32Array;
  tenantOf(i: number): string;
  payload(i: number): { status: string; assignee: string };
}

function dataset(n: number, centres: Float32Array): Dataset {
  const vectors = generate(n, 2, centres);
  const unit = new Float32Array(vectors.length);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let d = 0; d < DIMS; d++) norm += vectors[i * DIMS + d] ** 2;
    norm = Math.sqrt(norm);
    for (let d = 0; d < DIMS; d++) unit[i * DIMS + d] = vectors[i * DIMS + d] / norm;
  }
  return {
    n,
    vectors,
    unit,
    tenantOf: (i) => TENANTS[i % 2],
    payload: (i) => ({
      status: STATUSES[Math.floor(i / 2) % 5],
      assignee: `user-${Math.floor(i / 2) % 200}`,
    }),
  };
}

interface QueryKind {
  name: string;
  filter?: VectorFilter;
  matches(ds: Dataset, i: number): boolean;
}
const KINDS: QueryKind[] = [
  { name: 'tenant only', matches: () => true },
  { name: 'status (~20%)', filter: { status: 'done' }, matches: (_, i) => Math.floor(i / 2) % 5 === 3 },
  {
    name: 'assignee (~0.5%)',
    filter: { assignee: 'user-7' },
    matches: (_, i) => Math.floor(i / 2) % 200 === 7,
  },
];

interface Truth {
  ids: string[][];
  msPerQuery: number[];
}

/**
 * Exact search in plain JS: a scan of the tenant's points, checking the filter on each. Ground truth for
 * recall, and the speed baseline (what a store without an index would do).
 */
function exact(ds: Dataset, queries: Float32Array, kind: QueryKind, tenant: string): Truth {
  const tenantPoints: number[] = [];
  for (let i = 0; i < ds.n; i++) if (ds.tenantOf(i) === tenant) tenantPoints.push(i);
  const ids: string[][] = [];
  const ms: number[] = [];
  const q = new Float32Array(DIMS);
  for (let qi = 0; qi < queries.length / DIMS; qi++) {
    const t0 = performance.now();
    let norm = 0;
    for (let d = 0; d < DIMS; d++) norm += queries[qi * DIMS + d] ** 2;
    norm = Math.sqrt(norm);
    for (let d = 0; d < DIMS; d++) q[d] = queries[qi * DIMS + d] / norm;
    const best: [number, number][] = [];
    for (const i of tenantPoints) {
      if (!kind.matches(ds, i)) continue;
      let s = 0;
      const o = i * DIMS;
      for (let d = 0; d < DIMS; d++) s += q[d] * ds.unit[o + d];
      if (best.length < K || s > best[best.length - 1][1]) {
        best.push([i, s]);
        best.sort((a, b) => b[1] - a[1]);
        if (best.length > K) best.pop();
      }
    }
    ms.push(performance.now() - t0);
    ids.push(best.map(([i]) => `p${i}`));
  }
  return { ids, msPerQuery: ms };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

async function rssOfPid(pid: number | undefined): Promise<number | undefined> {
  if (!pid) return undefined;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : undefined;
}

interface SearchFigures {
  kind: string;
  p50Ms: number;
  p99Ms: number;
  recallAt10: number;
  exactP50Ms: number;
  speedup: number;
}

async function measureSearch(
  store: VectorStore,
  spec: CollectionSpec,
  queries: Float32Array,
  truths: Map<string, Truth>,
): Promise<SearchFigures[]> {
  const out: SearchFigures[] = [];
  const count = queries.length / DIMS;
  for (const kind of KINDS) {
    const truth = truths.get(kind.name)!;
    // Warm-up (JIT, caches) on the same queries; not timed.
    for (let qi = 0; qi < Math.min(20, count); qi++) {
      await store.search(TENANTS[0], spec, queries.subarray(qi * DIMS, (qi + 1) * DIMS), {
        limit: K,
        filter: kind.filter,
      });
    }
    const ms: number[] = [];
    let hit = 0;
    let want = 0;
    for (let qi = 0; qi < count; qi++) {
      const t0 = performance.now();
      const hits = await store.search(TENANTS[0], spec, queries.subarray(qi * DIMS, (qi + 1) * DIMS), {
        limit: K,
        filter: kind.filter,
      });
      ms.push(performance.now() - t0);
      const expected = new Set(truth.ids[qi]);
      hit += hits.filter((h) => expected.has(h.id)).length;
      want += expected.size;
    }
    const p50 = percentile(ms, 50);
    const exactP50 = percentile(truth.msPerQuery, 50);
    out.push({
      kind: kind.name,
      p50Ms: round(p50, 3),
      p99Ms: round(percentile(ms, 99), 3),
      recallAt10: round(hit / want, 4),
      exactP50Ms: round(exactP50, 2),
      speedup: round(exactP50 / p50, 2),
    });
  }
  return out;
}

async function insert(store: VectorStore, spec: CollectionSpec, ds: Dataset): Promise<number> {
  const t0 = performance.now();
  let lastLog = t0;
  // Batches alternate between the tenants, as interleaved ingestion would.
  for (let start = 0; start < ds.n; start += opts.batch * 2) {
    for (const tenant of TENANTS) {
      const points: VectorPoint[] = [];
      for (let i = start; i < Math.min(ds.n, start + opts.batch * 2); i++) {
        if (ds.tenantOf(i) !== tenant) continue;
        points.push({
          id: `p${i}`,
          vector: ds.vectors.subarray(i * DIMS, (i + 1) * DIMS),
          payload: ds.payload(i),
        });
      }
      await store.upsert(tenant, spec, points);
    }
    if (performance.now() - lastLog > 15_000) {
      lastLog = performance.now();
      const done = Math.min(ds.n, start + opts.batch * 2);
      log(`  ${done}/${ds.n} inserted (${Math.round(done / ((lastLog - t0) / 1000))}/s)`);
    }
  }
  return (performance.now() - t0) / 1000;
}

interface AdapterResult {
  adapter: string;
  points: number;
  insertSeconds: number;
  insertPerSecond: number;
  /** Qdrant: from upload finished until the collection is green (HNSW built). */
  indexSeconds?: number;
  rssMb?: number;
  flushSeconds?: number;
  reopenToFirstQueryMs?: number;
  search: SearchFigures[];
}

async function benchEmbedded(
  ds: Dataset,
  spec: CollectionSpec,
  queries: Float32Array,
  truths: Map<string, Truth>,
) {
  const dir = await mkdtemp(join(tmpdir(), 'pulse-bench-vector-'));
  const hnsw = { m: 16, efConstruction: 200, efSearch: opts.ef };
  try {
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let store = new EmbeddedVectorStoreAdapter({ dataDir: dir, hnsw });
    log(`embedded: inserting ${ds.n} points`);
    const insertSeconds = await insert(store, spec, ds);
    global.gc?.();
    const rssMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    log(`embedded: inserted in ${insertSeconds.toFixed(1)} s; searching`);
    const search = await measureSearch(store, spec, queries, truths);

    const tFlush = performance.now();
    await store.onModuleDestroy();
    const flushSeconds = (performance.now() - tFlush) / 1000;
    const tOpen = performance.now();
    store = new EmbeddedVectorStoreAdapter({ dataDir: dir, hnsw });
    await store.search(TENANTS[0], spec, queries.subarray(0, DIMS), { limit: K });
    const reopenToFirstQueryMs = performance.now() - tOpen;
    const count = (await store.count(TENANTS[0], spec)) + (await store.count(TENANTS[1], spec));
    if (count !== ds.n) throw new Error(`embedded lost points across restart: ${count} != ${ds.n}`);
    await store.onModuleDestroy();

    return {
      adapter: 'embedded (hnswlib-node)',
      points: ds.n,
      insertSeconds: round(insertSeconds, 1),
      insertPerSecond: Math.round(ds.n / insertSeconds),
      rssMb: Math.round(rssMb),
      flushSeconds: round(flushSeconds, 2),
      reopenToFirstQueryMs: Math.round(reopenToFirstQueryMs),
      search,
    } satisfies AdapterResult;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function benchQdrant(
  ds: Dataset,
  spec: CollectionSpec,
  queries: Float32Array,
  truths: Map<string, Truth>,
) {
  const server = await startQdrantTestServer();
  try {
    const store = new QdrantVectorStoreAdapter({
      url: server.url,
      hnswM: 16,
      hnswEfConstruct: 100,
      efSearch: opts.ef,
      quantization: false,
      timeoutMs: 120_000,
    });
    await store.ensureCollection(spec);
    log(`qdrant: uploading ${ds.n} points`);
    const insertSeconds = await insert(store, spec, ds);
    log(`qdrant: uploaded in ${insertSeconds.toFixed(1)} s; waiting for indexing`);
    const client = new QdrantClient({ url: server.url, checkCompatibility: false });
    const t0 = performance.now();
    // Right after the upload the status can read green before the optimizer has started: wait until it has
    // stayed green with an unchanged indexed count for 2 s.
    let lastIndexed = -1;
    let stable = 0;
    while (stable < 4) {
      const info = await client.getCollection(collectionName(spec));
      const indexed = info.indexed_vectors_count ?? 0;
      stable = info.status === 'green' && indexed === lastIndexed ? stable + 1 : 0;
      lastIndexed = indexed;
      await new Promise((r) => setTimeout(r, 500));
    }
    const indexSeconds = (performance.now() - t0) / 1000 - 2;
    log(`qdrant: indexed in ${indexSeconds.toFixed(1)} s; searching`);
    const search = await measureSearch(store, spec, queries, truths);
    const rssMb = await rssOfPid(server.pid());

    const tRestart = performance.now();
    await server.restart();
    await store.search(TENANTS[0], spec, queries.subarray(0, DIMS), { limit: K });
    const reopenToFirstQueryMs = performance.now() - tRestart;
    return {
      adapter: 'qdrant 1.16 (REST)',
      points: ds.n,
      insertSeconds: round(insertSeconds, 1),
      insertPerSecond: Math.round(ds.n / insertSeconds),
      indexSeconds: round(indexSeconds, 1),
      rssMb: rssMb === undefined ? undefined : Math.round(rssMb),
      reopenToFirstQueryMs: Math.round(reopenToFirstQueryMs),
      search,
    } satisfies AdapterResult;
  } finally {
    await server.close();
  }
}

function printTable(results: AdapterResult[]): void {
  const rows: string[][] = [
    [
      'adapter',
      'points',
      'insert/s',
      'index s',
      'RSS MB',
      'query',
      'p50 ms',
      'p99 ms',
      'recall@10',
      'exact p50 ms',
      'speed-up',
    ],
  ];
  for (const r of results) {
    for (const s of r.search) {
      rows.push([
        r.adapter,
        String(r.points),
        String(r.insertPerSecond),
        r.indexSeconds === undefined ? '-' : String(r.indexSeconds),
        r.rssMb === undefined ? '-' : String(r.rssMb),
        s.kind,
        String(s.p50Ms),
        String(s.p99Ms),
        String(s.recallAt10),
        String(s.exactP50Ms),
        `${s.speedup}x`,
      ]);
    }
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const [i, row] of rows.entries()) {
    console.log(row.map((cell, c) => cell.padEnd(widths[c])).join(' | '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  }
}

async function main(): Promise<void> {
  const adapters = opts.adapters.split(',').map((s) => s.trim());
  const spec: CollectionSpec = { entity: 'work_items', model: 'bench-clustered', dimensions: DIMS };
  const centres = makeCentres();
  const queries = generate(opts.queries, 3, centres);
  const results: AdapterResult[] = [];
  const started = performance.now();

  const sizes = new Map<string, number>();
  if (adapters.includes('embedded')) sizes.set('embedded', N);
  if (adapters.includes('qdrant')) sizes.set('qdrant', opts.qdrantN ?? N);
  const cache = new Map<number, { ds: Dataset; truths: Map<string, Truth> }>();
  const prepare = (n: number) => {
    let entry = cache.get(n);
    if (!entry) {
      log(`generating ${n} × ${DIMS} clustered vectors and exact ground truth`);
      const ds = dataset(n, centres);
      // The kinds' matches() are arithmetic for speed; they must agree with the payloads the stores filter on.
      for (let i = 0; i < 1000; i++) {
        const p = ds.payload(i);
        if (
          KINDS[1].matches(ds, i) !== (p.status === 'done') ||
          KINDS[2].matches(ds, i) !== (p.assignee === 'user-7')
        ) {
          throw new Error('bench filters disagree with the payloads');
        }
      }
      const truths = new Map(KINDS.map((k) => [k.name, exact(ds, queries, k, TENANTS[0])]));
      entry = { ds, truths };
      cache.clear();
      cache.set(n, entry);
    }
    return entry;
  };

  for (const [adapter, n] of sizes) {
    const { ds, truths } = prepare(n);
    results.push(
      adapter === 'embedded'
        ? await benchEmbedded(ds, spec, queries, truths)
        : await benchQdrant(ds, spec, queries, truths),
    );
  }

  console.log(
    `\nVector stores: ${DIMS}-d clustered vectors, 2 tenants (searches in one, ${N / 2} points at full size), ` +
      `${opts.queries} queries per kind, k=${K}, ef=${opts.ef}. Exact = brute force in plain JS over the ` +
      `same tenant's (filtered) points; speed-up = exact p50 / adapter p50.\n`,
  );
  printTable(results);
  for (const r of results) {
    const extra = [
      r.flushSeconds !== undefined ? `flush on shutdown ${r.flushSeconds} s` : undefined,
      r.reopenToFirstQueryMs !== undefined
        ? `restart to first query ${r.reopenToFirstQueryMs} ms`
        : undefined,
      `insert ${r.insertSeconds} s`,
    ].filter(Boolean);
    console.log(`${r.adapter}: ${extra.join(', ')}`);
  }
  const totalSeconds = (performance.now() - started) / 1000;
  console.log(`total ${totalSeconds.toFixed(0)} s`);

  const file = writeBenchResult({
    name: 'vector',
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, Node ${process.version}; Qdrant 1.16.3 on 127.0.0.1`,
    figures: toFigures(results),
    notes: [
      `${DIMS}-d clustered vectors (${CLUSTERS} clusters), 2 tenants; queries (${opts.queries} per kind, k=${K}, ` +
        `ef=${opts.ef}) search tenant A only; recall@10 against exact search over the same tenant and filter`,
      'baseline = exact brute force in plain JS over the same tenant (filter checked per point); ' +
        'ratio = baseline p50 / adapter p50 (higher is faster)',
      'embedded insert rate includes the write-ahead log fsync per call and the snapshots taken while inserting; ' +
        'Qdrant upload is with wait=true, and its HNSW build runs after it (index s)',
      'goals (issue #4) are for the embedded adapter at 1M points: run with --1m',
      `load average at end ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(
          ' / ',
        )} (machine shared with other jobs: figures are noisy); total ${totalSeconds.toFixed(0)} s`,
    ],
  });
  console.log(`wrote ${file}`);
}

function toFigures(results: AdapterResult[]): BenchFigure[] {
  const figures: BenchFigure[] = [];
  for (const r of results) {
    const embedded = r.adapter.startsWith('embedded');
    const at = `${r.adapter}, ${r.points} points`;
    figures.push({ label: `${at}: insert rate`, value: r.insertPerSecond, unit: 'points/s' });
    if (r.indexSeconds !== undefined) {
      figures.push({ label: `${at}: HNSW build after upload`, value: r.indexSeconds, unit: 's' });
    }
    if (r.rssMb !== undefined) {
      figures.push({ label: `${at}: ${embedded ? 'RSS added' : 'server RSS'}`, value: r.rssMb, unit: 'MB' });
    }
    if (r.flushSeconds !== undefined) {
      figures.push({ label: `${at}: flush on shutdown`, value: r.flushSeconds, unit: 's' });
    }
    if (r.reopenToFirstQueryMs !== undefined) {
      figures.push({ label: `${at}: restart to first query`, value: r.reopenToFirstQueryMs, unit: 'ms' });
    }
    for (const s of r.search) {
      const goals = embedded && s.kind === 'tenant only';
      figures.push({
        label: `${at}: search p50 (${s.kind})`,
        value: s.p50Ms,
        unit: 'ms',
        baseline: { label: `exact brute force p50 (${s.kind})`, value: s.exactP50Ms },
        ratio: s.speedup,
        ...(goals ? { goal: '≤ 5 ms at 1M' } : {}),
      });
      figures.push({
        label: `${at}: search p99 (${s.kind})`,
        value: s.p99Ms,
        unit: 'ms',
        ...(goals ? { goal: '≤ 20 ms at 1M' } : {}),
      });
      figures.push({
        label: `${at}: recall@10 (${s.kind})`,
        value: s.recallAt10,
        unit: 'recall@10',
        ...(embedded ? { goal: 0.95 } : {}),
      });
    }
  }
  return figures;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
