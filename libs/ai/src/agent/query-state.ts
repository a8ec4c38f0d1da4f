import { Annotation, type LangGraphRunnableConfig } from '@langchain/langgraph';
import type { CacheKind, QueryRoute } from '@app/metrics';
import type { CachedAnswer } from '../cache/cache.types';
import type { QuestionFingerprint } from '../cache/question-fingerprint';
import type { QueryPlan } from '../semantic';
import type { LogicalForm } from '../semantic/parser/logical-form.types';
import type { GuardResult, SqlResult } from '../sql';

export interface QueryInput {
  tenantId: string;
  question: string;
  noCache: boolean;
  /** A follow-up's reading, merged into the conversation's previous question: planned as is. */
  form?: LogicalForm;
}

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
}

/** SQL waiting for the guard: from the semantic compiler, a model, or a cached answer being refreshed. */
export interface SqlCandidate {
  source: 'semantic' | 'llm' | 'cache';
  sql: string;
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

const replace = <T>(initial: () => T) => Annotation<T>({ reducer: (_old, next) => next, default: initial });

/** The state one question carries through the graph. Each node returns only the fields it sets. */
export const QueryStateAnnotation = Annotation.Root({
  input: Annotation<QueryInput>(),
  /** Reference instant for relative windows. */
  now: replace<Date>(() => new Date()),
  normalized: replace<string>(() => ''),
  exactKey: replace<string>(() => ''),
  plan: replace<QueryPlan | null>(() => null),
  fingerprint: replace<QuestionFingerprint | null>(() => null),
  embedding: replace<QuestionEmbedding | null>(() => null),
  hit: replace<CacheHit | null>(() => null),
  routing: replace<RoutingDecision | null>(() => null),
  candidate: replace<SqlCandidate | null>(() => null),
  /** The model's latest answer, before validation. */
  draft: replace<{ content: string; sql: string | null } | null>(() => null),
  context: replace<RetrievedContext | null>(() => null),
  attempts: Annotation<GenerationAttempt[]>({ reducer: (a, b) => [...a, ...b], default: () => [] }),
  llm: replace<LlmUsage | null>(() => null),
  guarded: replace<GuardResult | null>(() => null),
  generations: replace<Record<string, number> | null>(() => null),
  result: replace<SqlResult | null>(() => null),
  asOf: replace<string | null>(() => null),
  /** Milliseconds per node, merged as nodes finish. */
  timings: Annotation<Record<string, number>>({
    reducer: (a, b) => {
      const out = { ...a };
      for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
      return out;
    },
    default: () => ({}),
  }),
});

export type QueryState = typeof QueryStateAnnotation.State;
export type QueryUpdate = typeof QueryStateAnnotation.Update;

/** The graph's node names; metrics use them as a bounded label set. */
export type QueryNodeName =
  | 'entry'
  | 'cacheLookup'
  | 'compile'
  | 'retrieve'
  | 'generate'
  | 'validate'
  | 'guard'
  | 'execute'
  | 'store'
  | 'refuse'
  | 'reject';

/** One step of the workflow: reads the state, returns the fields it changes. */
export interface QueryNode {
  readonly name: QueryNodeName;
  /** `config.signal` is the run's cancellation (a streaming client that went away): pass it to slow calls. */
  run(state: QueryState, config?: LangGraphRunnableConfig): Promise<QueryUpdate> | QueryUpdate;
}

/** A node that finished, and its own time. */
export interface NodeProgress {
  node: QueryNodeName;
  ms: number;
}
