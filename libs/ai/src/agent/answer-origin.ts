import type { QueryState } from './query-state';

export interface AnswerOrigin {
  /** The route that wrote the SQL (a cached answer keeps the route it was first computed on). */
  route: 'simple' | 'complex';
  provider: string;
  model: string;
}

/** Who wrote an answer's SQL: the semantic layer, a model through an integration, or the cached answer's author. */
export function answerOrigin(state: QueryState): AnswerOrigin {
  if (state.hit) {
    const { route, provider, model } = state.hit.entry;
    return { route, provider, model };
  }
  if (state.llm) return { route: 'complex', provider: state.llm.provider, model: state.llm.model };
  return {
    route: 'simple',
    provider: 'semantic-layer',
    model: `semantic-model@${state.plan?.modelVersion ?? 'unknown'}`,
  };
}

/**
 * What the answer answers, in plain English: the semantic plan's restatement, or, for SQL a model wrote, that it
 * did (with what the parser could read). A cached answer keeps the reading it was computed with.
 */
export function answerUnderstood(state: QueryState): string {
  if (state.hit?.entry.understood) return state.hit.entry.understood;
  const plan = state.plan;
  if (state.llm) {
    const read = plan?.understood ? `; the question parser read: ${plan.understood}` : '';
    return `SQL written by the model ${state.llm.model} (${state.llm.provider})${read}`;
  }
  if (plan?.answerable) return plan.understood ?? plan.explanation;
  if (state.hit) return `the earlier answer to "${state.hit.entry.question}"`;
  return plan?.understood ?? '';
}
