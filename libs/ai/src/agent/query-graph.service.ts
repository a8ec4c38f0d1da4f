import { Injectable } from '@nestjs/common';
import { END, START, StateGraph, type LangGraphRunnableConfig } from '@langchain/langgraph';
import { CacheLookupNode } from './nodes/cache-lookup.node';
import { CompileNode } from './nodes/compile.node';
import { EntryNode } from './nodes/entry.node';
import { ExecuteNode } from './nodes/execute.node';
import { GenerateSqlNode } from './nodes/generate-sql.node';
import { GuardNode } from './nodes/guard.node';
import { RefuseNode } from './nodes/refuse.node';
import { RejectNode } from './nodes/reject.node';
import { RetrieveNode } from './nodes/retrieve.node';
import { StoreNode } from './nodes/store.node';
import { ValidateSqlNode } from './nodes/validate-sql.node';
import {
  QueryStateAnnotation,
  type NodeProgress,
  type QueryInput,
  type QueryNode,
  type QueryNodeName,
  type QueryState,
} from './query-state';

/** Model answers after the first that validation may send back with the reason (two correction rounds). */
export const MAX_CORRECTIONS = 2;

/** Each node's own time, merged into the state's `timings`. */
function timed(node: QueryNode) {
  return async (state: QueryState, config?: LangGraphRunnableConfig) => {
    const started = performance.now();
    const update = await node.run(state, config);
    const ms = performance.now() - started;
    return { ...update, timings: { ...(update.timings ?? {}), [node.name]: ms } };
  };
}

/**
 * The query workflow as a LangGraph state graph:
 *
 *   entry → cacheLookup ─┬─ cached (fresh) ─────────────────────────────────────────────→ end
 *                        ├─ cached (tables changed) ──────────────────→ guard → execute → store → end
 *                        ├─ simple  → compile ────────────────────────→ guard
 *                        ├─ complex → retrieve → generate → validate ─→ guard   (invalid: back to generate,
 *                        │                                                     at most MAX_CORRECTIONS times,
 *                        │                                                     then reject: 422 SQL_REJECTED)
 *                        └─ refuse: 422 CANNOT_ANSWER
 *
 * The guard runs on every route that executes SQL, right before execution.
 */
@Injectable()
export class QueryGraph {
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
    refuse: RefuseNode,
    reject: RejectNode,
  ) {
    this.graph = new StateGraph(QueryStateAnnotation)
      .addNode('entry', timed(entry))
      .addNode('cacheLookup', timed(cacheLookup))
      .addNode('compile', timed(compile))
      .addNode('retrieve', timed(retrieve))
      .addNode('generate', timed(generate))
      .addNode('validate', timed(validate))
      .addNode('guard', timed(guard))
      .addNode('execute', timed(execute))
      .addNode('store', timed(store))
      .addNode('refuse', timed(refuse))
      .addNode('reject', timed(reject))
      .addEdge(START, 'entry')
      .addEdge('entry', 'cacheLookup')
      .addConditionalEdges('cacheLookup', (s) => afterLookup(s), {
        done: END,
        refresh: 'guard',
        simple: 'compile',
        complex: 'retrieve',
        refuse: 'refuse',
      })
      .addEdge('compile', 'guard')
      .addEdge('retrieve', 'generate')
      .addEdge('generate', 'validate')
      .addConditionalEdges('validate', (s) => afterValidation(s), {
        valid: 'guard',
        correct: 'generate',
        reject: 'reject',
      })
      .addEdge('guard', 'execute')
      .addEdge('execute', 'store')
      .addEdge('store', END)
      .addEdge('refuse', END)
      .addEdge('reject', END)
      .compile();
  }

  /**
   * Runs one question to its final state. A node's error (422, 429, 503: the modules' own exceptions) comes back
   * with the last state reached, so the caller can still say which route failed and how long each step took.
   */
  async run(input: QueryInput, options: QueryRunOptions = {}): Promise<QueryOutcome> {
    let state: QueryState | null = null;
    const { signal, onProgress } = options;
    try {
      const stream = await this.graph.stream(
        { input },
        { streamMode: ['values', 'updates'], ...(signal ? { signal } : {}) },
      );
      for await (const [mode, chunk] of stream) {
        if (mode === 'values') {
          state = chunk;
        } else if (onProgress) {
          for (const [node, update] of Object.entries(chunk as Record<string, Partial<QueryState>>)) {
            onProgress({ node: node as QueryNodeName, ms: update.timings?.[node] ?? 0 });
          }
        }
      }
    } catch (error) {
      return { ok: false, state, error };
    }
    return { ok: true, state: state! };
  }
}

export interface QueryRunOptions {
  /** Aborts the run and the node's in-flight calls (the LLM request included). */
  signal?: AbortSignal;
  /** Called as each node finishes. */
  onProgress?: (progress: NodeProgress) => void;
}

export type QueryOutcome =
  { ok: true; state: QueryState } | { ok: false; state: QueryState | null; error: unknown };

function afterLookup(s: QueryState): 'done' | 'refresh' | 'simple' | 'complex' | 'refuse' {
  const route = s.routing!.route;
  switch (route) {
    case 'cached':
      return s.hit?.fresh ? 'done' : 'refresh';
    case 'simple':
    case 'complex':
    case 'refuse':
      return route;
  }
}

function afterValidation(s: QueryState): 'valid' | 'correct' | 'reject' {
  if (s.candidate) return 'valid';
  return s.attempts.length <= MAX_CORRECTIONS ? 'correct' : 'reject';
}
