import { ErrorCode } from '@app/common';
import { EmbeddingException } from './embedding.exception';
import type { EmbeddingProvider } from './ports/embedding-provider.port';

interface Pending {
  text: string;
  resolve: (vector: Float32Array) => void;
  reject: (err: unknown) => void;
}

/** Who waits on a text: a person (a query, a search, the embed API) or background vectorization. */
export type EmbeddingPriority = 'interactive' | 'background';

export interface SubmitOptions {
  /** Who asks (a tenant id; '' when unknown): submitters of the same priority take turns. */
  lane?: string;
  /** `interactive` (the default) is served before any background text still queued. */
  priority?: EmbeddingPriority;
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
 * Texts wait in one lane per submitter (a tenant) and batches take from the lanes in turn, so one submitter's
 * thousand texts do not keep another's few waiting for many batches. Interactive texts (someone is waiting for an
 * answer) have lanes of their own: a batch holds only interactive texts while any are queued, so a search waits at
 * most for the batch already running, never behind a tenant's 100k-record backfill; background lanes (one per
 * tenant) take turns in whatever batches are left.
 */
export class EmbeddingBatcher {
  private readonly lanes: Record<EmbeddingPriority, Map<string, Pending[]>> = {
    interactive: new Map(),
    background: new Map(),
  };
  private size = 0;
  private inFlight = 0;
  private timer?: NodeJS.Timeout | NodeJS.Immediate;

  constructor(
    private readonly provider: EmbeddingProvider,
    private readonly maxBatch: number,
    private readonly waitMs: number,
    private readonly onBatch: (report: BatchReport) => void = () => undefined,
  ) {}

  /** One promise per text, in order; each settles when the batch carrying its text does. */
  submit(
    texts: string[],
    { lane = '', priority = 'interactive' }: SubmitOptions = {},
  ): Promise<Float32Array>[] {
    const lanes = this.lanes[priority];
    let queue = lanes.get(lane);
    if (!queue) lanes.set(lane, (queue = []));
    const into = queue;
    const promises = texts.map(
      (text) => new Promise<Float32Array>((resolve, reject) => into.push({ text, resolve, reject })),
    );
    this.size += texts.length;
    if (into.length === 0) lanes.delete(lane);
    this.schedule();
    return promises;
  }

  get queued(): number {
    return this.size;
  }

  /**
   * Up to maxBatch texts (and the provider's maxBatchChars) of one priority (interactive while any wait), one
   * from each of its lanes in turn; a lane served last moves to the back.
   */
  private take(): Pending[] {
    const lanes = this.lanes.interactive.size > 0 ? this.lanes.interactive : this.lanes.background;
    const batch: Pending[] = [];
    let chars = 0;
    const full = () => batch.length >= this.maxBatch || chars >= this.provider.maxBatchChars;
    while (!full() && lanes.size > 0) {
      for (const lane of [...lanes.keys()]) {
        const queue = lanes.get(lane)!;
        // The character budget is checked before adding, so a batch always takes at least one text.
        if (batch.length > 0 && chars + queue[0].text.length > this.provider.maxBatchChars) {
          chars = Number.POSITIVE_INFINITY;
          break;
        }
        const next = queue.shift()!;
        batch.push(next);
        chars += next.text.length;
        this.size--;
        lanes.delete(lane);
        if (queue.length > 0) lanes.set(lane, queue);
        if (full()) break;
      }
    }
    return batch;
  }

  private schedule(): void {
    if (this.size === 0 || this.inFlight >= this.provider.concurrency) return;
    if (this.size >= this.maxBatch) {
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
    while (this.size > 0 && this.inFlight < this.provider.concurrency) {
      void this.run(this.take());
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
      if (this.size > 0) {
        this.clearTimer();
        this.drain();
      }
    }
  }
}
