import { Injectable } from '@nestjs/common';
import { Annotation, END, START, StateGraph, type LangGraphRunnableConfig } from '@langchain/langgraph';
import type { QuestionFingerprint } from '../cache/cache.types';
import type { QueryPlan } from '../semantic';
import type { GuardResult, SqlResult } from '../sql';
import type {
  CacheHit,
  CorrectionNode,
  CorrectionState,
  GenerationAttempt,
  LlmUsage,
  NodeProgress,
  QueryContext,
  QueryNode,
  QueryNodeName,
  QueryOutcome,
  QueryState,
  QueryUpdate,
  QuestionEmbedding,
  RetrievedContext,
  RoutingDecision,
  SqlCandidate,
} from './query-state';
import {
  CacheLookupNode,
  CompileNode,
  EntryNode,
  ExecuteNode,
  GuardNode,
  StoreNode,
} from './query-graph.nodes';
import { GenerateSqlNode, RetrieveNode, ValidateSqlNode } from './write-sql.nodes';
import { QueryStepError, type QueryTrace } from './query-step.error';

/** Per-step milliseconds of `b` added to those of `a`. */
function sum(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
}

const replace = <T>(initial: () => T) => Annotation<T>({ reducer: (_old, next) => next, default: initial });

/** Milliseconds per step, added up as steps finish (a correction round's generate and validate add to theirs). */
const timings = () => Annotation<Record<string, number>>({ reducer: sum, default: () => ({}) });

/** The state one question carries through the graph. Each node returns only the fields it sets. */
export const QueryStateAnnotation = Annotation.Root({
  plan: replace<QueryPlan | null>(() => null),
  fingerprint: replace<QuestionFingerprint | null>(() => null),
  embedding: replace<QuestionEmbedding | null>(() => null),
  hit: replace<CacheHit | null>(() => null),
  routing: replace<RoutingDecision | null>(() => null),
  candidate: replace<SqlCandidate | null>(() => null),
  llm: replace<LlmUsage | null>(() => null),
  guarded: replace<GuardResult | null>(() => null),
  generations: replace<Record<string, number> | null>(() => null),
  result: replace<SqlResult | null>(() => null),
  asOf: replace<string | null>(() => null),
  outcome: replace<QueryOutcome | null>(() => null),
  timings: timings(),
});

/** The correction loop's own state (retrieve → generate ⇄ validate): nobody else needs its drafts and rounds. */
export const CorrectionStateAnnotation = Annotation.Root({
  plan: replace<QueryPlan | null>(() => null),
  embedding: replace<QuestionEmbedding | null>(() => null),
  context: replace<RetrievedContext | null>(() => null),
  /** The model's latest answer, before validation. */
  draft: replace<{ content: string; sql: string | null } | null>(() => null),
  attempts: Annotation<GenerationAttempt[]>({ reducer: (a, b) => [...a, ...b], default: () => [] }),
  llm: replace<LlmUsage | null>(() => null),
  candidate: replace<SqlCandidate | null>(() => null),
  timings: timings(),
});

/** The graph node that runs the correction loop: its steps report for it. */
const CORRECTION_NODE = 'writeSql';

/** Model answers after the first that validation may send back with the reason (two correction rounds). */
export const MAX_CORRECTIONS = 2;

type RunConfig = LangGraphRunnableConfig;

/** The graph declares no context schema (nothing to validate: the facade builds it), so it is typed here. */
function contextOf(config: RunConfig): QueryContext {
  if (!config.context) throw new Error('a query run needs its context');
  return config.context as QueryContext;
}

const outerTrace = (s: QueryState): QueryTrace => ({
  routing: s.routing,
  timings: s.timings,
  sql: s.candidate?.sql ?? null,
  llm: s.llm,
});

const correctionTrace = (s: CorrectionState): QueryTrace => ({
  routing: null,
  timings: s.timings,
  sql: s.draft?.sql ?? s.candidate?.sql ?? null,
  llm: s.llm,
});

/** A node with its own time merged into `timings`; a failure carries the run's trace up to it. */
function step<S, U>(node: QueryNode<S, U>, trace: (s: S) => QueryTrace) {
  return async (state: S, config: RunConfig) => {
    const started = performance.now();
    let update: U;
    try {
      update = await node.run(state, contextOf(config), config as LangGraphRunnableConfig<QueryContext>);
    } catch (err) {
      throw err instanceof QueryStepError ? err : new QueryStepError(err, trace(state));
    }
    const ms = performance.now() - started;
    const own = (update as { timings?: Record<string, number> }).timings;
    return { ...update, timings: { ...own, [node.name]: ms } };
  };
}

export interface QueryGraphNodes {
  entry: QueryNode;
  cacheLookup: QueryNode;
  compile: QueryNode;
  guard: QueryNode;
  execute: QueryNode;
  store: QueryNode;
  retrieve: CorrectionNode;
  generate: CorrectionNode;
  validate: CorrectionNode;
}

/**
 * The correction loop as a subgraph with its own state: the model writes SQL from the retrieved context, validation
 * sends it back with the reasons at most MAX_CORRECTIONS times; it ends with a candidate, or without one.
 */
export function correctionGraph(n: Pick<QueryGraphNodes, 'retrieve' | 'generate' | 'validate'>) {
  return new StateGraph(CorrectionStateAnnotation)
    .addNode('retrieve', step(n.retrieve, correctionTrace))
    .addNode('generate', step(n.generate, correctionTrace))
    .addNode('validate', step(n.validate, correctionTrace))
    .addEdge(START, 'retrieve')
    .addEdge('retrieve', 'generate')
    .addEdge('generate', 'validate')
    .addConditionalEdges('validate', (s) => afterValidation(s), {
      done: END,
      correct: 'generate',
    })
    .compile();
}

/**
 * The query workflow as a LangGraph state graph; outcomes (answered, refused, rejected) are state:
 *
 *   entry → cacheLookup ─┬─ cached (fresh) ───────────────────────────────→ end   (answered)
 *                        ├─ cached (tables changed) ──────→ guard → execute → store → end   (answered)
 *                        ├─ simple  → compile ────────────→ guard
 *                        ├─ complex → writeSql ───────────→ guard   (no valid SQL: end, rejected)
 *                        │            └ subgraph: retrieve → generate ⇄ validate
 *                        └─ refuse ────────────────────────────────────────→ end   (refused)
 *
 * The guard runs on every route that executes SQL, right before execution. The run's fixed inputs (tenant,
 * question, clock, the exact lookup's result) are its runtime context.
 */
export function queryGraph(n: QueryGraphNodes) {
  const correction = correctionGraph(n);
  const writeSql = async (s: QueryState, config: RunConfig): Promise<QueryUpdate> => {
    let out: CorrectionState;
    try {
      out = await correction.invoke({ plan: s.plan, embedding: s.embedding }, config);
    } catch (err) {
      if (!(err instanceof QueryStepError)) throw new QueryStepError(err, outerTrace(s));
      const inner = err.trace;
      throw new QueryStepError(err.cause, {
        ...inner,
        routing: s.routing,
        timings: sum(s.timings, inner.timings),
      });
    }
    const update = { embedding: out.embedding, llm: out.llm, candidate: out.candidate, timings: out.timings };
    return out.candidate ? update : { ...update, outcome: { status: 'rejected', attempts: out.attempts } };
  };
  return new StateGraph(QueryStateAnnotation)
    .addNode('entry', step(n.entry, outerTrace))
    .addNode('cacheLookup', step(n.cacheLookup, outerTrace))
    .addNode('compile', step(n.compile, outerTrace))
    .addNode(CORRECTION_NODE, writeSql)
    .addNode('guard', step(n.guard, outerTrace))
    .addNode('execute', step(n.execute, outerTrace))
    .addNode('store', step(n.store, outerTrace))
    .addEdge(START, 'entry')
    .addEdge('entry', 'cacheLookup')
    .addConditionalEdges('cacheLookup', (s) => s.routing!.next, {
      done: END,
      refresh: 'guard',
      simple: 'compile',
      complex: CORRECTION_NODE,
      refuse: END,
    })
    .addEdge('compile', 'guard')
    .addConditionalEdges(CORRECTION_NODE, (s) => (s.outcome ? 'rejected' : 'valid'), {
      valid: 'guard',
      rejected: END,
    })
    .addEdge('guard', 'execute')
    .addEdge('execute', 'store')
    .addEdge('store', END)
    .compile();
}

function afterValidation(s: CorrectionState): 'done' | 'correct' {
  return s.candidate || s.attempts.length > MAX_CORRECTIONS ? 'done' : 'correct';
}

export interface QueryRunOptions {
  /** Aborts the run and the node's in-flight calls (the LLM request included). */
  signal?: AbortSignal;
  /** Called as each step finishes (the correction loop's steps included). */
  onProgress?: (progress: NodeProgress) => void;
}

/** The compiled query workflow, run once per question. */
@Injectable()
export class QueryGraphService {
  private readonly graph;

  constructor(
    entry: EntryNode,
    cacheLookup: CacheLookupNode,
    compile: CompileNode,
    retrieve: RetrieveNode,
    generate: GenerateSqlNode,
    validate: ValidateSqlNode,
    guard: GuardNode,
    execute: ExecuteNode,
    store: StoreNode,
  ) {
    this.graph = queryGraph({
      entry,
      cacheLookup,
      compile,
      retrieve,
      generate,
      validate,
      guard,
      execute,
      store,
    });
  }

  /**
   * Runs one question to its final state, whose `outcome` says how it ended. A step's real failure (429, 503: the
   * modules' own exceptions) is thrown as a QueryStepError with the run's trace up to that step.
   */
  async run(context: QueryContext, options: QueryRunOptions = {}): Promise<QueryState> {
    const { signal, onProgress } = options;
    const config = { context, ...(signal ? { signal } : {}) };
    if (!onProgress) return this.graph.invoke({}, config);
    let state: QueryState | undefined;
    const stream = await this.graph.stream(
      {},
      { ...config, streamMode: ['updates', 'values'], subgraphs: true },
    );
    for await (const [namespace, mode, chunk] of stream as AsyncIterable<[string[], string, unknown]>) {
      if (mode === 'values') {
        if (namespace.length === 0) state = chunk as QueryState;
        continue;
      }
      for (const [node, update] of Object.entries(
        chunk as Record<string, { timings?: Record<string, number> }>,
      )) {
        if (node === CORRECTION_NODE) continue;
        onProgress({ node: node as QueryNodeName, ms: update.timings?.[node] ?? 0 });
      }
    }
    return state!;
  }
}
