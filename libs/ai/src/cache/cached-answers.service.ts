import { Injectable, Logger } from '@nestjs/common';
import { SemanticModelService, parseTimeExpressions } from '../semantic';
import { AnswerCache } from './answer-cache.service';
import type { CachedAnswer } from './cache.types';
import { DataGenerations } from './data-generations.service';
import { normalizeQuestionText } from './question-fingerprint';

export interface AnswerLookup {
  key: string;
  entry: CachedAnswer;
  /** No ETL write touched the entry's tables since its rows were read. */
  fresh: boolean;
}

/**
 * Cached answers as the workflow sees them: the exact key of a question at an instant, and entries with their
 * freshness. A question's key holds the tenant, the semantic model version, the normalised text and its time
 * context (the window its relative dates resolve to, or the day), so "last week" asked after the week rolled over
 * is a different question.
 */
@Injectable()
export class CachedAnswers {
  private readonly logger = new Logger(CachedAnswers.name);

  constructor(
    private readonly cache: AnswerCache,
    private readonly generations: DataGenerations,
    private readonly models: SemanticModelService,
  ) {}

  get enabled(): boolean {
    return this.cache.enabled;
  }

  keyOf(tenantId: string, question: string, now: Date): { key: string; normalized: string } {
    const normalized = normalizeQuestionText(question);
    const window = parseTimeExpressions(normalized.replace(/[^\p{L}\p{N}_\-./#@\s]/gu, ' '), now).window;
    const time = window
      ? `window:${window.start?.toISOString() ?? ''}|${window.end?.toISOString() ?? ''}`
      : `day:${now.toISOString().slice(0, 10)}`;
    return { key: this.cache.keyOf(tenantId, this.models.version, normalized, time), normalized };
  }

  /** The entry under `key` with its freshness; null when absent, of another model version, or unverifiable. */
  async lookup(tenantId: string, key: string): Promise<AnswerLookup | null> {
    const entry = await this.cache.get(tenantId, key);
    if (!entry || entry.modelVersion !== this.models.version) return null;
    try {
      const current = await this.generations.read(tenantId, entry.tables);
      return { key, entry, fresh: DataGenerations.same(entry.generations, current) };
    } catch (err) {
      // Without the generations nothing says the rows are current: answer from the database instead.
      this.logger.warn(`Data generations unreadable, cache bypassed: ${String(err)}`);
      return null;
    }
  }

  set(key: string, entry: CachedAnswer): Promise<void> {
    return this.cache.set(key, entry);
  }
}
