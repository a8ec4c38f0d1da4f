import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { CachedAnswers } from '../../cache/cached-answers.service';
import { fingerprintOf } from '../../cache/question-fingerprint';
import { SemanticPlanner } from '../../semantic';
import { KnownValuesService } from '../known-values.service';
import { QueryClock } from '../query-clock.service';
import type { QueryNode, QueryState, QueryUpdate } from '../query-state';

/**
 * Reads the question: its exact-cache key (see CachedAnswers.keyOf), and the semantic planner's plan and confidence,
 * made with the tenant's own names (people, repositories, services) so they are matched rather than guessed.
 */
@Injectable()
export class EntryNode implements QueryNode {
  readonly name = 'entry';

  constructor(
    private readonly planner: SemanticPlanner,
    private readonly knownValues: KnownValuesService,
    private readonly clock: QueryClock,
    private readonly answers: CachedAnswers,
  ) {}

  async run(state: QueryState): Promise<QueryUpdate> {
    const { tenantId, question, form } = state.input;
    const now = this.clock.now();
    if (form) {
      // A follow-up's words mean nothing alone: its answer is cached under the merged form, never its text.
      const started = performance.now();
      const plan = this.planner.planOf(question, form);
      const planMs = performance.now() - started;
      const formHash = createHash('sha256').update(JSON.stringify(form)).digest('hex');
      const { key, normalized } = this.answers.keyOf(tenantId, `follow-up ${formHash}`, now);
      return {
        now,
        normalized,
        plan,
        fingerprint: fingerprintOf(question, plan),
        exactKey: key,
        timings: { plan: planMs },
      };
    }
    const { key, normalized } = this.answers.keyOf(tenantId, question, now);
    const knownValues = await this.knownValues.get(tenantId);
    const started = performance.now();
    let plan = await this.planner.plan(question, { now, knownValues });
    if (!plan.answerable) {
      // A known value right after its prefix ("assigned to alice", "labelled security") is taken as the value and
      // leaves the prefix unread; the reading without the tenant's values can then be the confident one.
      const unaided = await this.planner.plan(question, { now });
      if (unaided.confidence > plan.confidence) plan = unaided;
    }
    const planMs = performance.now() - started;
    return {
      now,
      normalized,
      plan,
      fingerprint: fingerprintOf(question, plan),
      exactKey: key,
      timings: { plan: planMs },
    };
  }
}
