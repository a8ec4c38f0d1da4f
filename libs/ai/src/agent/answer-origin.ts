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
