import type { Aggregation, FilterOp, TimeGrain } from './semantic-model.schema';

export type PlanAggregation = Aggregation | 'count' | 'ratio';

export interface PlanMeasure {
  /** Measure key in the semantic model. */
  key: string;
  entity: string;
  type: 'count' | 'number' | 'duration' | 'ratio';
  aggregation: PlanAggregation;
  /** In (0,1), only for the percentile aggregation. */
  percentile: number | null;
  /** Answer column name, e.g. `bugs_resolved`, `median_cycle_time_hours`. */
  alias: string;
  /** Human description, e.g. "median cycle time (hours)". */
  label: string;
}

export interface PlanDimension {
  entity: string;
  key: string;
  column: string;
  /** Array columns (labels, reviewers) group by each element. */
  array: boolean;
  alias: string;
}

export interface PlanFilter {
  entity: string;
  column: string;
  op: FilterOp;
  values: string[];
  /**
   * Free text from the question (a repository or a person): bound as a query parameter, never inlined, and
   * compared case-insensitively unless it came from the tenant's known values.
   */
  parameter: boolean;
  caseInsensitive: boolean;
  /** The words it came from, or `rule:<id>` for a business rule of the model. */
  source: string;
}

/**
 * What the answer is. `aggregate`: the measure, per group or time bucket when the plan has them; `rows`: records
 * (the id first, as `id`); `distinct`: the values of one field; `lookup`: one field of the named record(s).
 */
export type PlanProjection =
  | { kind: 'aggregate' }
  | { kind: 'rows'; columns: PlanColumn[] }
  | { kind: 'distinct'; column: PlanColumn }
  | { kind: 'lookup'; columns: PlanColumn[] };

export interface PlanColumn {
  column: string;
  /** Answer column name: the field's name (`id` for the record id). */
  alias: string;
}

export interface PlanTimeWindow {
  /** ISO-8601 UTC, inclusive; null when unbounded. */
  start: string | null;
  /** ISO-8601 UTC, exclusive; null when unbounded. */
  end: string | null;
  label: string;
}

export interface QueryPlan {
  question: string;
  /** Semantic model version the plan was made with (part of cache keys). */
  modelVersion: string;
  /** Main entity (the table the measure is computed on); null when none was recognised. */
  entity: string | null;
  /** Relationships joined (e.g. pull requests → work items for lead time). */
  joins: string[];
  measure: PlanMeasure | null;
  dimensions: PlanDimension[];
  filters: PlanFilter[];
  /** Time column the window and the grain apply to. */
  time: { entity: string; column: string; label: string } | null;
  /** null: all time. */
  window: PlanTimeWindow | null;
  grain: TimeGrain | null;
  order: { by: 'measure' | 'time'; direction: 'asc' | 'desc' } | null;
  /** Records (projection `rows`) in this order; null: the model's default (newest first). */
  rowOrder?: {
    column: string;
    direction: 'asc' | 'desc';
    /** Records ranked by a measure's value per record ("the 5 largest pull requests": pr_size), shown as a column. */
    measure?: string;
  } | null;
  limit: number | null;
  /** The question's reference time (ISO-8601 UTC): where a duration that ends "now" (an age) ends. */
  asOf?: string;
  /** Absent on plans of the older heuristic planner: an aggregate. */
  projection?: PlanProjection;
  /** The canonical plain-English reading of the plan ("list of work items where type is bug ..."). */
  understood?: string;
  confidence: number;
  /** confidence ≥ the configured threshold: the semantic route may answer it. */
  answerable: boolean;
  /** What the planner understood, in words (shown in a 422 CANNOT_ANSWER). */
  explanation: string;
  /** Words of the question the planner could not place. */
  unrecognized: string[];
  /** Why the confidence is below 1. */
  issues: string[];
  /** Rephrasings the semantic layer can answer. */
  suggestions: string[];
}

export interface PlanOptions {
  /** Reference time for relative windows ("last week"); default: the current time. */
  now?: Date;
  /**
   * Scores one text against candidate phrases (e.g. cosine similarity of embeddings), in the candidates' order.
   * Used only for words the model's synonyms do not cover.
   */
  similarity?: (text: string, candidates: string[]) => Promise<number[]>;
  /** Minimum similarity score to accept a candidate; default 0.75. */
  similarityThreshold?: number;
  /**
   * Values the tenant actually has, by dimension key (`assignee`, `repository`, `service`, ...), so names in the
   * question ("alice", "payments-api") are matched exactly instead of guessed from the sentence shape.
   */
  knownValues?: Partial<Record<string, readonly string[]>>;
}

export interface CompiledQuery {
  /** One PostgreSQL SELECT; `$1` is the tenant id. */
  sql: string;
  /** Bind values: `[tenantId, ...free-text filter values]`. */
  params: string[];
  /**
   * The same query for SqlGuardService.check(): no tenant predicates and no parameters (the guard refuses `$n`
   * and adds `<table>.tenant_id = $1` itself); free text inlined as escaped string literals. Run the guard's
   * output with `[tenantId]`.
   */
  guardSql: string;
  /** Answer column names, in order. */
  columns: string[];
  /** Tables read (for cache invalidation on ETL writes). */
  tables: string[];
}
