import { Injectable } from '@nestjs/common';
import { CachedAnswers } from '../../cache/cached-answers.service';
import type { CachedAnswer } from '../../cache/cache.types';
import { SemanticAnswerIndex } from '../../cache/semantic-index.service';
import { SemanticModelService } from '../../semantic';
import type { QueryNode, QueryState, QueryUpdate } from '../query-state';
import { answerOrigin, answerUnderstood } from '../answer-origin';

/**
 * Caches the answer under its exact key (and refreshes the entry it was re-run from), and indexes the question for
 * semantic hits. Skipped for noCache questions and when the data generations could not be read.
 */
@Injectable()
export class StoreNode implements QueryNode {
  readonly name = 'store';

  constructor(
    private readonly answers: CachedAnswers,
    private readonly index: SemanticAnswerIndex,
    private readonly models: SemanticModelService,
  ) {}

  async run(state: QueryState): Promise<QueryUpdate> {
    const { input, candidate, guarded, result, generations, asOf, hit } = state;
    if (
      input.noCache ||
      !this.answers.enabled ||
      !candidate ||
      !guarded ||
      !result ||
      !generations ||
      !asOf
    ) {
      return {};
    }
    const origin = answerOrigin(state);
    const entry: CachedAnswer = {
      tenantId: input.tenantId,
      question: hit?.entry.question ?? input.question,
      sourceSql: candidate.sql,
      sql: guarded.sql,
      columns: result.columns,
      rows: result.rows,
      rowCount: result.rowCount,
      truncated: result.truncated,
      tables: guarded.tables,
      generations,
      asOf,
      route: origin.route,
      provider: origin.provider,
      model: origin.model,
      modelVersion: this.models.version,
      createdAt: new Date().toISOString(),
      understood: answerUnderstood(state),
    };
    const writes = [this.answers.set(state.exactKey, { ...entry, question: input.question })];
    if (hit && hit.key !== state.exactKey) writes.push(this.answers.set(hit.key, entry));
    if (state.fingerprint && (!hit || hit.key !== state.exactKey)) {
      writes.push(
        this.index.add(input.tenantId, this.models.version, {
          key: state.exactKey,
          question: input.question,
          fingerprint: state.fingerprint,
          vector: state.embedding?.vector ?? null,
          embeddingModel: state.embedding?.model ?? null,
          at: Date.now(),
        }),
      );
    }
    await Promise.all(writes);
    return {};
  }
}
