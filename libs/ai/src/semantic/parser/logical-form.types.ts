import type { Aggregation, FilterOp, TimeGrain } from '../semantic-model.schema';

/** What the answer is: a number, groups with a number, records, the values of a field, one record's field. */
export type Projection =
  | { kind: 'count' }
  | { kind: 'measure'; measure: string; agg: Aggregation | 'count' | 'ratio'; percentile: number | null }
  | { kind: 'rows' }
  | { kind: 'distinct'; column: string; name: string }
  | { kind: 'lookup'; column: string; name: string };

export interface LfFilter {
  column: string;
  op: FilterOp;
  values: string[];
  /** Free text from the question: bound as a parameter and compared case-insensitively. */
  parameter: boolean;
  /** A tenant's own value: compared exactly (free words from the question compare case-insensitively). */
  exact?: boolean;
  /** The words it came from. */
  source: string;
}

export interface LfGroup {
  dim: string;
  column: string;
  array: boolean;
}

/** The typed reading of a question, before it becomes a QueryPlan and SQL. */
export interface LogicalForm {
  entity: string;
  projection: Projection;
  filters: LfFilter[];
  groups: LfGroup[];
  grain: TimeGrain | null;
  /** Time column the window and the grain apply to. */
  time: string;
  window: { start: Date | null; end: Date | null; label: string } | null;
  /**
   * Rank groups by the measure (`by: 'measure'`), records by a column (`by`: the column) or records by a measure's
   * value per record (`by: 'measure:<key>'`).
   */
  order: { by: string; direction: 'asc' | 'desc' } | null;
  limit: number | null;
  /** Extra columns a list should show ("with their labels"). */
  extraColumns: string[];
}

export interface ParseRefusal {
  /** What was read, in words, so far. */
  understood: string;
  /** Words of the question no reading could place. */
  unrecognized: string[];
  /** Why the question was not answered. */
  reason: string;
  /** The entity the question is about, when one was recognised. */
  entity: string | null;
  /** Answerable restatements close to the question. */
  suggestions: string[];
  /** Refused on purpose (a reading that would be wrong), not for want of words: no other reader should guess. */
  deliberate: boolean;
  /**
   * What was read before the refusal, when the records were known: it tells refused questions apart ("most" and
   * "fewest", their windows) where a cached answer is weighed for reuse. Never answered.
   */
  form?: LogicalForm | null;
}

export type ParseResult = { ok: true; form: LogicalForm } | { ok: false; refusal: ParseRefusal };
