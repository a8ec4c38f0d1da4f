import { Injectable } from '@nestjs/common';
import { ErrorCode } from '@app/common';
import { AppConfig } from '@app/config';
import type { PlanOptions, QueryPlan } from './query-plan.types';
import type { SemanticModel } from './semantic-model.schema';
import { SemanticModelService } from './semantic-model.service';
import { SemanticException } from './semantic.exception';
import { QuestionParser, type ContextReading } from './parser/question-parser';
import type { LogicalForm, ParseRefusal } from './parser/logical-form.types';
import { toQueryPlan } from './parser/plan-builder';

const DEFAULT_SIMILARITY_THRESHOLD = 0.75;
/** Below the route's threshold: a question with words nobody could place, or one refused with every word read. */
const CONFIDENCE_UNREAD = 0.5;
const CONFIDENCE_REFUSED = 0.6;
const MAX_SUGGESTIONS = 5;

/**
 * What the query path needs from the semantic layer: the plan of a question (read by the compositional parser,
 * QuestionParser), a question read in a conversation, and the 422 of a question that cannot be answered. No LLM,
 * no I/O (the optional similarity callback aside).
 */
@Injectable()
export class QuestionPlannerService {
  /** Minimum confidence for the semantic route (QUERY_SEMANTIC_MIN_CONFIDENCE). */
  readonly threshold: number;
  private readonly parser: QuestionParser;
  private readonly model: SemanticModel;
  private readonly version: string;
  /** The model's example questions by the records they are about, offered when a question is refused. */
  private readonly examples: { question: string; entity: string }[];

  constructor(modelService: SemanticModelService, config: AppConfig) {
    this.model = modelService.model;
    this.version = modelService.version;
    this.threshold = config.query.semanticMinConfidence;
    this.parser = new QuestionParser(this.model);
    const now = new Date();
    this.examples = this.model.examples.flatMap((question) => {
      const r = this.parser.parse(question, { now });
      return r.ok ? [{ question, entity: r.form.entity }] : [];
    });
  }

  /** Phrases the model knows: the candidates an unknown word may be rewritten to by similarity. */
  vocabulary(): string[] {
    return this.parser.vocabulary();
  }

  /**
   * The plan of a question read alone. Unknown words are rewritten to the closest model phrase when a similarity
   * callback is given and the rewritten question reads completely; otherwise the parser's refusal is the answer.
   */
  async plan(question: string, opts: PlanOptions = {}): Promise<QueryPlan> {
    const now = opts.now ?? new Date();
    const parsed = this.parser.parse(question, { now, knownValues: opts.knownValues });
    if (parsed.ok) return toQueryPlan(this.model, this.version, question, parsed.form, now);
    if (parsed.refusal.unrecognized.length > 0 && opts.similarity) {
      const rewritten = await this.rewriteBySimilarity(question, parsed.refusal.unrecognized, opts);
      if (rewritten) {
        const again = this.parser.parse(rewritten, { now, knownValues: opts.knownValues });
        if (again.ok) {
          const plan = toQueryPlan(this.model, this.version, question, again.form, now);
          return { ...plan, issues: [`read by similarity as "${rewritten}"`] };
        }
      }
    }
    return this.refusedPlan(question, parsed.refusal);
  }

  /** A question asked after `prev` was answered: read alone, or as a follow-up merged into `prev`. */
  readInContext(question: string, prev: LogicalForm | null, opts: PlanOptions = {}): ContextReading {
    return this.parser.readInContext(question, prev, {
      now: opts.now ?? new Date(),
      knownValues: opts.knownValues,
    });
  }

  /** The plan of a logical form read already (a follow-up merged into the previous question). */
  planOf(question: string, form: LogicalForm, now?: Date): QueryPlan {
    return toQueryPlan(this.model, this.version, question, form, now);
  }

  /** The 422 of a follow-up that does not read: the words not understood, and what it was a follow-up to. */
  followUpRefused(refusal: ParseRefusal): SemanticException {
    return new SemanticException(
      ErrorCode.CANNOT_ANSWER,
      `Cannot answer this question: ${explain(refusal)}`,
      {
        understood: refusal.understood,
        confidence: 0,
        entity: refusal.entity,
        unrecognized: refusal.unrecognized,
        issues: [refusal.reason],
        suggestions: refusal.suggestions,
      },
    );
  }

  /** The 422 a caller returns when no other route can take a low-confidence question. */
  cannotAnswer(plan: QueryPlan): SemanticException {
    return new SemanticException(
      ErrorCode.CANNOT_ANSWER,
      `Cannot answer this question: ${plan.explanation}`,
      {
        understood: plan.understood ?? plan.explanation,
        confidence: plan.confidence,
        entity: plan.entity,
        measure: plan.measure?.key ?? null,
        dimensions: plan.dimensions.map((d) => d.key),
        window: plan.window,
        unrecognized: plan.unrecognized,
        issues: plan.issues,
        suggestions: plan.suggestions,
      },
    );
  }

  /** A refusal as a plan the router sends elsewhere (an LLM, when the tenant has one) or to a 422. */
  private refusedPlan(question: string, refusal: ParseRefusal): QueryPlan {
    const suggestions = [
      ...refusal.suggestions,
      ...this.examples.filter((x) => x.entity === refusal.entity).map((x) => x.question),
      ...this.examples.map((x) => x.question),
    ];
    const read = refusal.form ? toQueryPlan(this.model, this.version, question, refusal.form) : null;
    return {
      question,
      modelVersion: this.version,
      entity: refusal.entity,
      joins: [],
      measure: null,
      dimensions: [],
      filters: [],
      time: null,
      window: null,
      grain: null,
      order: null,
      limit: null,
      // What was read so far, so two refused questions that differ ("most" / "fewest") never share an answer.
      ...(read
        ? {
            joins: read.joins,
            measure: read.measure,
            dimensions: read.dimensions,
            filters: read.filters,
            time: read.time,
            window: read.window,
            grain: read.grain,
            order: read.order,
            rowOrder: read.rowOrder,
            limit: read.limit,
            projection: read.projection,
          }
        : {}),
      understood: refusal.understood,
      confidence: refusal.unrecognized.length > 0 ? CONFIDENCE_UNREAD : CONFIDENCE_REFUSED,
      answerable: false,
      explanation: explain(refusal),
      unrecognized: refusal.unrecognized,
      issues: [refusal.reason],
      suggestions: [...new Set(suggestions)].slice(0, MAX_SUGGESTIONS),
    };
  }

  /** The question with each unknown word replaced by the model phrase closest to it, or null when one has none. */
  private async rewriteBySimilarity(
    question: string,
    words: string[],
    opts: PlanOptions,
  ): Promise<string | null> {
    const candidates = this.vocabulary();
    const threshold = opts.similarityThreshold ?? DEFAULT_SIMILARITY_THRESHOLD;
    let out = question;
    for (const word of words) {
      const scores = await opts.similarity!(word, candidates);
      let best = -1;
      scores.forEach((s, i) => {
        if (s >= threshold && (best < 0 || s > scores[best])) best = i;
      });
      if (best < 0) return null;
      out = out.replace(new RegExp(`\\b${escapeRegExp(word)}\\b`, 'i'), candidates[best]);
    }
    return out;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function explain(refusal: ParseRefusal): string {
  return refusal.understood
    ? `Understood: ${refusal.understood}; but ${refusal.reason}.`
    : `Not understood: ${refusal.reason}.`;
}
