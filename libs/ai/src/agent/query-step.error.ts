import type { LlmUsage, RoutingDecision } from './query-state';

/** What a run had reached when a step failed: enough to record which route failed and each step's time. */
export interface QueryTrace {
  routing: RoutingDecision | null;
  timings: Record<string, number>;
  /** The SQL in hand (a model's draft, or the candidate), for the query history. */
  sql: string | null;
  llm: LlmUsage | null;
}

/**
 * A step's real failure (a provider's 429/503, the database down, a guard verdict): the module's own exception
 * as `cause`, with the run's trace up to the failed step. The facade records the trace and rethrows the cause.
 */
export class QueryStepError extends Error {
  constructor(
    override readonly cause: unknown,
    readonly trace: QueryTrace,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'QueryStepError';
  }
}
