import { EmbeddingProvider } from '../ports/embedding-provider.port';

/**
 * A stand-in model for tests of the layers above the port (batching, cache, truncation): it records every
 * batch it is given and derives each vector from its text, so a vector shows which text it belongs to.
 */
export class CountingProvider extends EmbeddingProvider {
  readonly model = 'counting-test-model';
  readonly dimensions = 4;
  ready = false;
  readonly batches: string[][] = [];
  /** Makes the next batches fail (one error per batch) before answering normally again. */
  failures: Error[] = [];
  /** Settable here, to check batches stop at a character budget. */
  override maxBatchChars = Number.POSITIVE_INFINITY;
  /** Multiplies every vector (1 = unit length), to check that callers renormalise. */
  scale = 1;
  private gate?: Promise<void>;
  private openGate?: () => void;

  constructor(
    readonly maxBatch = 8,
    readonly maxInputChars = 1000,
    readonly concurrency = 1,
  ) {
    super();
  }

  /** Makes the next loads fail before one succeeds. */
  loadFailures = 0;
  loadAttempts = 0;

  init(): Promise<void> {
    this.loadAttempts++;
    if (this.loadFailures > 0) {
      this.loadFailures--;
      return Promise.reject(new Error('model file unreadable'));
    }
    this.ready = true;
    return Promise.resolve();
  }

  /** The vector this provider gives `text` (before scaling). */
  static vectorOf(text: string): Float32Array {
    let h = 0;
    for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
    const v = Float32Array.of(text.length + 1, (h % 997) + 1, (h % 89) + 1, 1);
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  }

  /** Holds every batch until `release()`, to observe what queues up meanwhile. */
  hold(): void {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
  }

  release(): void {
    this.openGate?.();
    this.gate = undefined;
  }

  get textsSeen(): number {
    return this.batches.reduce((n, b) => n + b.length, 0);
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    this.batches.push([...texts]);
    await this.gate;
    await new Promise((r) => setImmediate(r));
    const failure = this.failures.shift();
    if (failure) throw failure;
    return texts.map((t) => CountingProvider.vectorOf(t).map((x) => x * this.scale));
  }
}
