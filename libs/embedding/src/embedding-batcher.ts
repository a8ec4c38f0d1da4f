import { ErrorCode } from '@app/common';
import { EmbeddingException } from './embedding.exception';
import type { EmbeddingProvider } from './ports/embedding-provider.port';

interface Pending {
  text: string;
  resolve: (vector: Float32Array) => void;
  reject: (err: unknown) => void;
}

export interface BatchReport {
  size: number;
  ms: number;
  ok: boolean;
}

/**
 * Coalesces texts from concurrent callers into provider batches of up to `maxBatch`.
 *
 * Dispatch rule: a full batch goes at once; while the provider is busy, texts queue and leave together as
 * soon as a slot frees (so a busy model sees large batches); an idle provider starts a partial batch on the
 * next turn of the event loop (texts submitted in the same tick travel together, a lone caller does not wait);
 * with a slot free but other batches in flight (a remote gateway), a partial batch waits up to `waitMs` for company.
 */
export class EmbeddingBatcher {
  private readonly queue: Pending[] = [];
  private inFlight = 0;
  private timer?: NodeJS.Timeout | NodeJS.Immediate;

  constructor(
    private readonly provider: EmbeddingProvider,
    private readonly maxBatch: number,
    private readonly waitMs: number,
    private readonly onBatch: (report: BatchReport) => void = () => undefined,
  ) {}

  /** One promise per text, in order; each settles when the batch carrying its text does. */
  submit(texts: string[]): Promise<Float32Array>[] {
    const promises = texts.map(
      (text) => new Promise<Float32Array>((resolve, reject) => this.queue.push({ text, resolve, reject })),
    );
    this.schedule();
    return promises;
  }

  get queued(): number {
    return this.queue.length;
  }

  private schedule(): void {
    if (this.queue.length === 0 || this.inFlight >= this.provider.concurrency) return;
    if (this.queue.length >= this.maxBatch) {
      this.clearTimer();
      this.drain();
      return;
    }
    if (this.timer) return;
    if (this.inFlight === 0 || this.waitMs === 0) {
      this.timer = setImmediate(() => this.fire());
    } else {
      this.timer = setTimeout(() => this.fire(), this.waitMs);
    }
  }

  private fire(): void {
    this.timer = undefined;
    this.drain();
  }

  private clearTimer(): void {
    if (!this.timer) return;
    clearTimeout(this.timer as NodeJS.Timeout);
    clearImmediate(this.timer as NodeJS.Immediate);
    this.timer = undefined;
  }

  private drain(): void {
    while (this.queue.length > 0 && this.inFlight < this.provider.concurrency) {
      void this.run(this.queue.splice(0, this.maxBatch));
    }
  }

  private async run(batch: Pending[]): Promise<void> {
    this.inFlight++;
    const started = performance.now();
    let ok = false;
    try {
      const vectors = await this.provider.embed(batch.map((p) => p.text));
      if (vectors.length !== batch.length) {
        throw new EmbeddingException(
          ErrorCode.INTERNAL_ERROR,
          `Model ${this.provider.model} returned ${vectors.length} vectors for ${batch.length} texts`,
        );
      }
      batch.forEach((p, i) => p.resolve(vectors[i]));
      ok = true;
    } catch (err) {
      for (const p of batch) p.reject(err);
    } finally {
      this.inFlight--;
      this.onBatch({ size: batch.length, ms: performance.now() - started, ok });
      // Whatever queued while this batch ran has already waited as long as a batch takes: send it now.
      if (this.queue.length > 0) {
        this.clearTimer();
        this.drain();
      }
    }
  }
}
