/** Vectors for a list of texts, in input order, with the id of the model that made them. */
export interface EmbeddedTexts {
  model: string;
  dimensions: number;
  vectors: Float32Array[];
}

/** The vector of one text, with the id of the model that made it. */
export interface EmbeddedText {
  model: string;
  dimensions: number;
  vector: Float32Array;
}

/** Counters since start, for the metrics module and readiness. */
export interface EmbeddingStats {
  model: string;
  dimensions: number;
  ready: boolean;
  /** Texts asked for through embedOne/embedMany. */
  textsRequested: number;
  /** Texts the model actually computed (cache misses that were not already in flight). */
  textsEmbedded: number;
  cacheHits: number;
  memoryHits: number;
  redisHits: number;
  cacheMisses: number;
  /** Identical texts that joined a computation already in flight instead of starting another. */
  deduplicated: number;
  truncated: number;
  redisErrors: number;
  batches: number;
  failedBatches: number;
  /** Sum and maximum of the model's time per batch. */
  batchMsTotal: number;
  batchMsMax: number;
  /** Calls to embedOne/embedMany and their summed wall time (cache lookups, queueing and the model). */
  requests: number;
  requestMsTotal: number;
}
