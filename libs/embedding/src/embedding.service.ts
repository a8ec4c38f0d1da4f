import { ErrorCode } from '@app/common';
import { AppConfig } from '@app/config';
import { RedisService } from '@app/database';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { EmbeddingBatcher, type BatchReport, type SubmitOptions } from './embedding-batcher';
import { EmbeddingCache } from './embedding-cache';
import { EmbeddingException } from './embedding.exception';
import type { EmbeddedText, EmbeddedTexts, EmbeddingStats } from './embedding.types';
import { EmbeddingProvider } from './ports/embedding-provider.port';
import { toUnitVector } from './vector-math';

/** Drift a model's own normalisation may leave before the service renormalises. */
const UNIT_TOLERANCE = 1e-4;
/** Back-off between attempts to load a model that failed to load at start-up. */
const LOAD_RETRY_FIRST_MS = 1_000;
const LOAD_RETRY_MAX_MS = 30_000;

/**
 * What the rest of the application uses to embed text: truncation to the model's limit, a two-tier cache
 * (hits never recompute), deduplication of identical texts in flight, and batching of concurrent callers.
 * Every vector is a unit-length Float32Array and comes with the id of the model that made it.
 */
@Injectable()
export class EmbeddingService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(EmbeddingService.name);
  private readonly batcher: EmbeddingBatcher;
  private readonly cache: EmbeddingCache;
  private readonly inFlight = new Map<string, Promise<Float32Array>>();
  private closing = false;
  private readonly counters = {
    textsRequested: 0,
    textsEmbedded: 0,
    memoryHits: 0,
    redisHits: 0,
    cacheMisses: 0,
    deduplicated: 0,
    truncated: 0,
    batches: 0,
    failedBatches: 0,
    batchMsTotal: 0,
    batchMsMax: 0,
    requests: 0,
    requestMsTotal: 0,
  };

  constructor(
    private readonly provider: EmbeddingProvider,
    config: AppConfig,
    @Optional() redis?: RedisService,
  ) {
    const settings = config.embedding;
    this.batcher = new EmbeddingBatcher(
      provider,
      Math.max(1, Math.min(settings.maxBatch, provider.maxBatch)),
      settings.batchWaitMs,
      (report) => this.recordBatch(report),
    );
    this.cache = new EmbeddingCache({
      maxEntries: settings.cacheSize,
      ttlSeconds: settings.cacheTtlS,
      redis,
    });
  }

  get model(): string {
    return this.provider.model;
  }

  /** Known once the model is ready. */
  get dimensions(): number {
    return this.provider.dimensions;
  }

  /** For readiness: the embedding model is loaded. */
  isReady(): boolean {
    return this.provider.ready;
  }

  /** Resolves once the model is loaded (so `dimensions` is known); rejects with DEPENDENCY_UNAVAILABLE if it cannot load. */
  async whenReady(): Promise<{ model: string; dimensions: number }> {
    await this.provider.init();
    return { model: this.provider.model, dimensions: this.provider.dimensions };
  }

  onModuleInit(): void {
    // Loaded in the background so boot stays fast; readiness reports it, and callers wait for it.
    void this.loadInBackground();
  }

  /**
   * Keeps trying until the model loads: an unready pod gets no traffic, so without this a load that failed
   * once (memory pressure, a gateway down at boot) would leave the pod unready for good.
   */
  private async loadInBackground(): Promise<void> {
    for (let attempt = 1; !this.closing; attempt++) {
      try {
        await this.provider.init();
        return;
      } catch (err) {
        // A process that shuts down while the model loads (a short CLI command) ends the load itself.
        if (this.closing) return;
        const delayMs = Math.min(LOAD_RETRY_MAX_MS, LOAD_RETRY_FIRST_MS * 2 ** (attempt - 1));
        this.logger.error(
          `Embedding model ${this.provider.model} did not load (attempt ${attempt}): ${String(err)}; retrying in ${delayMs} ms`,
        );
        await new Promise<void>((resolve) => setTimeout(resolve, delayMs).unref());
      }
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    await this.provider.close();
  }

  async embedOne(text: string): Promise<EmbeddedText> {
    const { model, dimensions, vectors } = await this.embedMany([text]);
    return { model, dimensions, vector: vectors[0] };
  }

  /**
   * The text's vector, or null when the model cannot give one (not loaded yet, failed): for callers that can do
   * without (a question's semantic-cache match, prompt examples, history), so an embedding fault never fails them.
   * `purpose` names what goes on without it, in the log line.
   */
  async embedOneOrNull(text: string, purpose: string): Promise<EmbeddedText | null> {
    try {
      return await this.embedOne(text);
    } catch (err) {
      this.logger.warn(`Embedding failed, ${purpose} goes on without it: ${String(err)}`);
      return null;
    }
  }

  /**
   * `lane`: who asks (a tenant id), so the batcher serves callers in turn; `priority: 'background'` for
   * vectorization nobody is waiting on, which yields to interactive calls (the default).
   */
  async embedMany(texts: string[], queueing: SubmitOptions = {}): Promise<EmbeddedTexts> {
    const started = performance.now();
    for (const text of texts) {
      if (typeof text !== 'string' || text.trim() === '') {
        throw new EmbeddingException(
          ErrorCode.VALIDATION_FAILED,
          'Every text to embed must be a non-empty string',
        );
      }
    }
    await this.provider.init();
    const model = this.provider.model;
    const dimensions = this.provider.dimensions;
    this.counters.textsRequested += texts.length;

    const inputs = texts.map((t) => this.truncate(t));
    const keys = inputs.map((t) => EmbeddingCache.key(model, t));
    const hits = await this.cache.getMany(keys, dimensions);
    const vectors: Promise<Float32Array>[] = [];
    const toCompute = new Map<string, number[]>();

    keys.forEach((key, i) => {
      const hit = hits.get(i);
      if (hit) {
        this.counters[hit.tier === 'memory' ? 'memoryHits' : 'redisHits']++;
        vectors[i] = Promise.resolve(hit.vector);
        return;
      }
      this.counters.cacheMisses++;
      const running = this.inFlight.get(key);
      if (running) {
        this.counters.deduplicated++;
        vectors[i] = running;
        return;
      }
      const same = toCompute.get(key);
      if (same) {
        this.counters.deduplicated++;
        same.push(i);
      } else toCompute.set(key, [i]);
    });

    if (toCompute.size > 0) {
      const uniqueKeys = [...toCompute.keys()];
      const submitted = this.batcher.submit(
        uniqueKeys.map((key) => inputs[toCompute.get(key)![0]]),
        queueing,
      );
      this.counters.textsEmbedded += uniqueKeys.length;
      uniqueKeys.forEach((key, j) => {
        const vector = submitted[j].then((v) => {
          const unit = this.checkVector(v, dimensions);
          this.cache.setMany([{ key, vector: unit }]);
          return unit;
        });
        this.inFlight.set(key, vector);
        // Removed whether it succeeds or fails, so a failure is retried by the next caller.
        vector.then(
          () => this.inFlight.delete(key),
          () => this.inFlight.delete(key),
        );
        for (const i of toCompute.get(key)!) vectors[i] = vector;
      });
    }

    // Copies: callers may mutate what they get without corrupting the cache.
    const result = (await Promise.all(vectors)).map((v) => v.slice());
    this.counters.requests++;
    this.counters.requestMsTotal += performance.now() - started;
    return { model, dimensions, vectors: result };
  }

  stats(): EmbeddingStats {
    const c = this.counters;
    return {
      model: this.provider.model,
      dimensions: this.provider.dimensions,
      ready: this.provider.ready,
      ...c,
      cacheHits: c.memoryHits + c.redisHits,
      redisErrors: this.cache.redisErrors,
    };
  }

  /** Cuts at the model's limit without splitting a surrogate pair. */
  private truncate(text: string): string {
    const max = this.provider.maxInputChars;
    if (text.length <= max) return text;
    this.counters.truncated++;
    const code = text.charCodeAt(max - 1);
    return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
  }

  private checkVector(vector: Float32Array, dimensions: number): Float32Array {
    if (vector.length !== dimensions) {
      throw new EmbeddingException(
        ErrorCode.INTERNAL_ERROR,
        `Model ${this.provider.model} returned ${vector.length} dimensions instead of ${dimensions}`,
      );
    }
    let sum = 0;
    for (let i = 0; i < vector.length; i++) sum += vector[i] * vector[i];
    return Math.abs(Math.sqrt(sum) - 1) <= UNIT_TOLERANCE
      ? vector
      : toUnitVector(vector, this.provider.model);
  }

  private recordBatch(report: BatchReport): void {
    this.counters.batches++;
    if (!report.ok) this.counters.failedBatches++;
    this.counters.batchMsTotal += report.ms;
    this.counters.batchMsMax = Math.max(this.counters.batchMsMax, report.ms);
  }
}
