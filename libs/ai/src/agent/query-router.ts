import type { QueryPlan } from '../semantic';
import type { CacheHit, RoutingDecision } from './query-state';

export interface RouteInputs {
  hit: CacheHit | null;
  /** Null when a cached answer was found before the question was planned. */
  plan: QueryPlan | null;
  /** The planner's confidence threshold for the semantic route. */
  threshold: number;
  /** Whether the tenant can reach an LLM; only asked when neither the cache nor the planner can answer. */
  llmAvailable: boolean | null;
}

const pct = (n: number) => n.toFixed(2);

/**
 * The complexity router: a fresh (or refreshable) cached answer first, then the zero-cost semantic route when the
 * planner is confident, then an LLM when the tenant has one; otherwise the question is refused with what the
 * planner understood.
 */
export function decideRoute({ hit, plan, threshold, llmAvailable }: RouteInputs): RoutingDecision {
  const base = {
    confidence: plan?.confidence ?? null,
    threshold,
    cache: {
      kind: hit?.kind ?? null,
      match: hit?.match ?? null,
      similarity: hit?.similarity ?? null,
      fresh: hit ? hit.fresh : null,
    },
    llmAvailable,
  };
  if (hit) {
    const how =
      hit.match === 'embedding'
        ? `similar question "${hit.entry.question}" (cosine ${hit.similarity?.toFixed(3)})`
        : hit.match === 'plan'
          ? `question "${hit.entry.question}" with the same plan`
          : 'same question';
    const state = hit.fresh ? 'rows still fresh' : 'its tables changed since, so its SQL is run again';
    return { ...base, route: 'cached', reason: `${hit.kind} cache hit: ${how}; ${state}` };
  }
  if (!plan) throw new Error('a question without a cached answer must be planned before it is routed');
  if (plan.answerable) {
    return {
      ...base,
      route: 'simple',
      reason: `semantic planner confidence ${pct(plan.confidence)} >= ${pct(threshold)}`,
    };
  }
  const why = plan.measure
    ? `semantic planner confidence ${pct(plan.confidence)} < ${pct(threshold)}`
    : 'the semantic planner found nothing to measure';
  if (llmAvailable) return { ...base, route: 'complex', reason: `${why}; an LLM writes the SQL` };
  return { ...base, route: 'refuse', reason: `${why} and no LLM is configured for this tenant` };
}
