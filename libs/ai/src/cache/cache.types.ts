import type { QuestionFingerprint } from './question-fingerprint';

/** An answer as cached: enough to serve it again, or to re-run its SQL once the data has changed. */
export interface CachedAnswer {
  tenantId: string;
  question: string;
  /** The SQL before the guard (the semantic compiler's or the model's); re-guarded whenever it is run again. */
  sourceSql: string;
  /** The guarded SQL that produced `rows`. */
  sql: string;
  columns: string[];
  rows: unknown[][];
  rowCount: number;
  truncated: boolean;
  /** Tables the SQL reads: an ETL write to any of them makes the rows stale. */
  tables: string[];
  /** Data generation of each table, read before the rows were. */
  generations: Record<string, number>;
  /** When the rows were read: they reflect every write committed before it. */
  asOf: string;
  route: 'simple' | 'complex';
  provider: string;
  model: string;
  modelVersion: string;
  createdAt: string;
  /** What the answer answers, in plain English (absent on entries cached before it was recorded). */
  understood?: string;
}

/** A cached question in the semantic index of its tenant. */
export interface IndexedQuestion {
  /** Exact-cache key of its answer. */
  key: string;
  question: string;
  fingerprint: QuestionFingerprint;
  /** Unit vector; null until the embedding is known. */
  vector: Float32Array | null;
  embeddingModel: string | null;
  at: number;
}

export interface SimilarQuestion {
  key: string;
  question: string;
  similarity: number;
}
