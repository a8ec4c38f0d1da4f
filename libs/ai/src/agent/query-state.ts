import type { LangGraphRunnableConfig } from '@langchain/langgraph';
import type { CacheKind, QueryRoute } from '@app/metrics';
import type { AnswerLookup, ExactKey } from '../cache/answer-cache.service';
import type { CachedAnswer } from '../cache/cache.types';
import type { LogicalForm } from '../semantic/parser/logical-form.types';
import type { ParsedSql } from '../sql';
import type { KnownValues } from './known-values.service';
import type { CorrectionStateAnnotation, QueryStateAnnotation } from './query-graph.service';

/*
 * The vocabulary of the query graph's state and context, types only: the state annotations themselves (reducers,
 * defaults) are the graph's shape and live with it in query-graph.service.ts.
 */

/**
 * What one run knows from the start and never changes: LangGraph's runtime context (`config.context` in a node),
 * not the state. A type rather than an interface: LangGraph types a context as a record.
 */
export type QueryContext = {
  tenantId: string;
  question: string;
  noCache: boolean;
  /** A follow-up's reading, merged into the conversation's previous question: planned as is. */
  form?: LogicalForm;
  /** Reference instant for relative windows. */
  now: Date;
  /** The tenant's own names (people, repositories, services), matched rather than guessed by the planner. */
  knownValues: KnownValues;
  /** The question's exact-cache key and normalised text. */
  exact: ExactKey;
  /** What the exact lookup (made once, before the run) found; null for noCache questions or a miss. */
  exactHit: AnswerLookup | null;
};

export interface QuestionEmbedding {
  vector: Float32Array;
  model: string;
}

/** A cached answer found for the question; `fresh` when no ETL write touched its tables since it was computed. */
export interface CacheHit {
  kind: CacheKind;
  /** How it was matched: same text, same confident plan, or close embedding with the same fingerprint. */
  match: 'text' | 'plan' | 'embedding';
  key: string;
  entry: CachedAnswer;
  fresh: boolean;
  similarity: number | null;
}

/** Where the router sent the question, and why (returned to the caller and recorded in metrics). */
export interface RoutingDecision {
  route: QueryRoute | 'refuse';
  reason: string;
  /** The planner's confidence; null for an exact cache hit answered before planning. */
  confidence: number | null;
  threshold: number;
  cache: {
    kind: CacheKind | null;
    match: CacheHit['match'] | null;
    similarity: number | null;
    fresh: boolean | null;
  };
  /** Whether the tenant can reach an LLM; null when the question never needed one. */
  llmAvailable: boolean | null;
  /** The graph's next step: done (a fresh cached answer), refresh (a stale one re-run), or the route's own. */
  next: 'done' | 'refresh' | 'simple' | 'complex' | 'refuse';
}

/** SQL waiting for the guard: from the semantic compiler, a model, or a cached answer being refreshed. */
export interface SqlCandidate {
  source: 'semantic' | 'llm' | 'cache';
  sql: string;
  /** `sql` as validation parsed it, so the guard does not parse the same text again. */
  parsed?: ParsedSql;
}

export interface ValidationIssue {
  stage: 'format' | 'guard' | 'validate' | 'rules';
  rule: string;
  message: string;
}

/** One generation by the model and what validation said about it. */
export interface GenerationAttempt {
  /** The model's raw answer (fed back in a correction round). */
  content: string;
  sql: string | null;
  issues: ValidationIssue[];
}

export interface LlmUsage {
  provider: string;
  model: string;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  calls: number;
  /** Time spent waiting for the model, summed over rounds. */
  llmMs: number;
}

export interface SchemaContext {
  table: string;
  score: number;
  /** Prompt text: columns with types and meanings. */
  text: string;
}

export interface PastQuestion {
  question: string;
  sql: string;
  similarity: number;
}

export interface RetrievedContext {
  tables: SchemaContext[];
  examples: PastQuestion[];
  rules: string[];
  relationships: string[];
}

/** How a run ended: an answer (as it is served and cached), a refusal, or SQL that validation kept rejecting. */
export type QueryOutcome =
  | { status: 'answered'; answer: CachedAnswer }
  | { status: 'refused' }
  | { status: 'rejected'; attempts: GenerationAttempt[] };

/** The state one question carries through the graph (its annotation, with reducers, is the graph's). */
export type QueryState = typeof QueryStateAnnotation.State;
export type QueryUpdate = typeof QueryStateAnnotation.Update;

/** The correction subgraph's own state. */
export type CorrectionState = typeof CorrectionStateAnnotation.State;
export type CorrectionUpdate = typeof CorrectionStateAnnotation.Update;

/** The graph's node names (the correction loop's included); metrics use them as a bounded label set. */
export type QueryNodeName =
  'entry' | 'cacheLookup' | 'compile' | 'retrieve' | 'generate' | 'validate' | 'guard' | 'execute' | 'store';

/** One step of the workflow: reads the state (and the run's context), returns the fields it changes. */
export interface QueryNode<S = QueryState, U = QueryUpdate> {
  readonly name: QueryNodeName;
  /** `config.signal` is the run's cancellation (a streaming client that went away): pass it to slow calls. */
  run(state: S, context: QueryContext, config: LangGraphRunnableConfig<QueryContext>): Promise<U> | U;
}

/** A step of the correction loop. */
export type CorrectionNode = QueryNode<CorrectionState, CorrectionUpdate>;

/** A node that finished, and its own time. */
export interface NodeProgress {
  node: QueryNodeName;
  ms: number;
}
