import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { EmbeddingService } from '@app/embedding';
import { CachedAnswers } from '../../cache/cached-answers.service';
import { SemanticAnswerIndex } from '../../cache/semantic-index.service';
import { LlmRouter } from '../../providers';
import { SemanticModelService, SemanticPlanner } from '../../semantic';
import { decideRoute } from '../query-router';
import type { CacheHit, QueryNode, QueryState, QueryUpdate, QuestionEmbedding } from '../query-state';

/**
 * Looks for an answer this tenant already has: the same text (exact), the same confident plan, or, for questions
 * the planner is unsure of, a close embedding with the same fingerprint (semantic). Then routes the question.
 */
@Injectable()
export class CacheLookupNode implements QueryNode {
  readonly name = 'cacheLookup';
  private readonly logger = new Logger(CacheLookupNode.name);
  private readonly similarityThreshold: number;

  constructor(
    config: AppConfig,
    private readonly answers: CachedAnswers,
    private readonly index: SemanticAnswerIndex,
    private readonly embeddings: EmbeddingService,
    private readonly models: SemanticModelService,
    private readonly planner: SemanticPlanner,
    private readonly llm: LlmRouter,
  ) {
    this.similarityThreshold = config.query.semanticCacheThreshold;
  }

  async run(state: QueryState): Promise<QueryUpdate> {
    const plan = state.plan!;
    const { tenantId, noCache } = state.input;
    let embedding = state.embedding;
    let hit: CacheHit | null = null;
    if (!noCache && this.answers.enabled) {
      hit = await this.lookup(state, state.exactKey, 'exact', 'text', null);
      if (!hit && plan.answerable && state.fingerprint?.planSignature) {
        const key = await this.index.findByPlan(
          tenantId,
          this.models.version,
          state.fingerprint.planSignature,
        );
        if (key) hit = await this.lookup(state, key, 'semantic', 'plan', null);
      }
      if (!hit && !plan.answerable) {
        embedding = await this.embed(state.input.question);
        if (embedding && state.fingerprint) {
          const similar = await this.index.findSimilar(
            tenantId,
            this.models.version,
            { ...embedding, fingerprint: state.fingerprint },
            this.similarityThreshold,
          );
          if (similar)
            hit = await this.lookup(state, similar.key, 'semantic', 'embedding', similar.similarity);
        }
      }
    }
    const llmAvailable = !hit && !plan.answerable ? await this.llm.hasProvider(tenantId) : null;
    const routing = decideRoute({ hit, plan, threshold: this.planner.threshold, llmAvailable });
    return {
      hit,
      embedding,
      routing,
      candidate: hit && !hit.fresh ? { source: 'cache', sql: hit.entry.sourceSql } : null,
    };
  }

  private async lookup(
    state: QueryState,
    key: string,
    kind: CacheHit['kind'],
    match: CacheHit['match'],
    similarity: number | null,
  ): Promise<CacheHit | null> {
    const found = await this.answers.lookup(state.input.tenantId, key);
    return found ? { ...found, kind, match, similarity } : null;
  }

  private async embed(question: string): Promise<QuestionEmbedding | null> {
    try {
      const { vector, model } = await this.embeddings.embedOne(question);
      return { vector, model };
    } catch (err) {
      this.logger.warn(`Question embedding failed: ${String(err)}`);
      return null;
    }
  }
}
