import type { CachedAnswer } from '../cache/cache.types';
import type { QueryPlan } from '../semantic';
import type { CacheHit } from './query-state';
import { decideRoute } from './query-graph.nodes';

const plan = (confidence: number, measure = true): QueryPlan =>
  ({
    confidence,
    answerable: measure && confidence >= 0.7,
    measure: measure ? { key: 'work_item_count' } : null,
  }) as QueryPlan;

const hit = (fresh: boolean, match: CacheHit['match'] = 'text'): CacheHit => ({
  kind: match === 'text' ? 'exact' : 'semantic',
  match,
  key: 't:k',
  entry: { question: 'How many bugs were resolved last week?' } as CachedAnswer,
  fresh,
  similarity: match === 'embedding' ? 0.91 : null,
});

describe('decideRoute', () => {
  it('serves a cached answer first, saying whether its rows are fresh or re-run', () => {
    expect(decideRoute({ hit: hit(true), plan: null, threshold: 0.7, llmAvailable: null })).toMatchObject({
      route: 'cached',
      reason: 'exact cache hit: same question; rows still fresh',
      confidence: null,
      cache: { kind: 'exact', match: 'text', fresh: true },
      next: 'done',
    });
    const stale = decideRoute({
      hit: hit(false, 'embedding'),
      plan: plan(0.3),
      threshold: 0.7,
      llmAvailable: null,
    });
    expect(stale.route).toBe('cached');
    expect(stale.next).toBe('refresh');
    expect(stale.reason).toMatch(
      /semantic cache hit: similar question .* \(cosine 0\.910\); its tables changed since/,
    );
  });

  it('takes the semantic route at or above the confidence threshold', () => {
    expect(decideRoute({ hit: null, plan: plan(0.7), threshold: 0.7, llmAvailable: null })).toMatchObject({
      route: 'simple',
      reason: 'semantic planner confidence 0.70 >= 0.70',
      confidence: 0.7,
      next: 'simple',
    });
  });

  it('sends an unsure question to an LLM when the tenant has one, and refuses it otherwise', () => {
    expect(decideRoute({ hit: null, plan: plan(0.55), threshold: 0.7, llmAvailable: true })).toMatchObject({
      route: 'complex',
      reason: 'semantic planner confidence 0.55 < 0.70; an LLM writes the SQL',
      next: 'complex',
    });
    expect(
      decideRoute({ hit: null, plan: plan(0.9, false), threshold: 0.7, llmAvailable: false }),
    ).toMatchObject({
      route: 'refuse',
      reason: 'the semantic planner found nothing to measure and no LLM is configured for this tenant',
      next: 'refuse',
    });
  });
});
