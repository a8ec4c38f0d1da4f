import type { AnswerColumn } from '../query/answer.mapper';

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
  /** What each column means, when the semantic compiler wrote the SQL (absent on older entries). */
  columnInfo?: AnswerColumn[];
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

/**
 * What two questions must share before one may reuse the other's answer, besides being close in embedding space.
 * Sentence embeddings barely move when one number, name or time window changes ("top 5" vs "top 10", "last week"
 * vs "last month", "bugs" vs "incidents"), so those are compared exactly.
 */
export interface QuestionFingerprint {
  /** Every number in the question, words included ("five" → 5), sorted. */
  numbers: string[];
  /** Identifier-like tokens (`payments-api`, `PAY-12`, `v1.2`) and quoted values, lower-cased, sorted. */
  identifiers: string[];
  /** The resolved time window, `start|end`, or null when the question names none. */
  window: string | null;
  /** What the planner recognised, confident or not: entity, measure, filters, grouping, ranking. */
  understood: string;
  /**
   * Words the planner could not place, crudely singularised and sorted: for questions it is unsure of, the words
   * that carry the meaning it missed ("overloaded" vs "underloaded", "Friday" vs "Monday").
   */
  unread: string[];
  /** The whole plan, only when the planner is confident: equal signatures compile to the same SQL. */
  planSignature: string | null;
}
