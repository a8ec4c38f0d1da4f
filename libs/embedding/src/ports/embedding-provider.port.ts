/**
 * A text-embedding model. Also the DI token: inject `EmbeddingProvider` to get the adapter chosen by
 * `EMBEDDING_PROVIDER`. Application code uses `EmbeddingService` (batching, truncation, cache) instead of
 * calling a provider directly.
 */
export abstract class EmbeddingProvider {
  /** Stable id of the model that makes the vectors; vectors of different ids never share an index. */
  abstract readonly model: string;
  /** Vector length. Known once `init()` has resolved (a gateway may learn it from its first answer). */
  abstract readonly dimensions: number;
  /** Largest number of texts one `embed` call should carry. */
  abstract readonly maxBatch: number;
  /**
   * Characters one `embed` call should carry at most (a call always takes at least one text). A local model
   * computes in proportion to text length and runs one call at a time, so this bounds how long an interactive
   * text waits behind a background batch already running; a remote gateway prefers few large calls.
   */
  readonly maxBatchChars: number = Number.POSITIVE_INFINITY;
  /** Texts longer than this are cut before embedding (the model would ignore or choke on the rest). */
  abstract readonly maxInputChars: number;
  /** How many `embed` calls may run at once: 1 for an in-process model, more for a remote gateway. */
  abstract readonly concurrency: number;
  /** True once the model is loaded and usable. */
  abstract readonly ready: boolean;

  /** Loads the model (idempotent: concurrent and repeated calls share one load; a failed load may be retried). */
  abstract init(): Promise<void>;

  /** One unit-length float32 vector per text, in input order. */
  abstract embed(texts: string[]): Promise<Float32Array[]>;

  /** Releases the model's resources. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
