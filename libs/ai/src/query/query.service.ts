import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppException, ErrorCode } from '@app/common';
import { EmbeddingService } from '@app/embedding';
import { MetricsService, type QueryRoute } from '@app/metrics';
import { answerOrigin, answerUnderstood, type AnswerOrigin } from '../agent/answer-origin';
import { QueryClock } from '../agent/query-clock.service';
import { QueryGraph } from '../agent/query-graph.service';
import { decideRoute } from '../agent/query-router';
import type {
  CacheHit,
  NodeProgress,
  QueryState,
  QuestionEmbedding,
  RoutingDecision,
} from '../agent/query-state';
import { CachedAnswers } from '../cache/cached-answers.service';
import { SemanticAnswerIndex } from '../cache/semantic-index.service';
import { normalizeQuestionText } from '../cache/question-fingerprint';
import { SemanticModelService, SemanticPlanner } from '../semantic';
import type { SqlResult } from '../sql';
import type { BatchErrorDto, QueryResponseDto } from './dto/query-response.dto';
import { QueryHistoryService, type QueryHistoryRow } from './query-history.service';
import { ConversationRepository } from './conversation.repository';
import { KnownValuesService } from '../agent/known-values.service';

export interface QueryOptions {
  noCache?: boolean;
  /** Cancels the work (a streaming client that went away): the graph stops and an LLM call in flight aborts. */
  signal?: AbortSignal;
  /** Called as each workflow step finishes (the streaming endpoint's progress events). */
  onProgress?: (progress: NodeProgress) => void;
  /** The conversation the question continues (its previous answer is the follow-up's context). */
  conversationId?: string;
  /** False for batch questions: answered alone, no conversation kept. */
  conversation?: boolean;
}

/** Questions of one batch answered at the same time: enough to overlap I/O, few enough to leave room for others. */
const BATCH_CONCURRENCY = 4;

const round = (ms: number) => Math.round(ms * 100) / 100;

/** What an answer is made of, whichever way it was found. */
interface AnswerParts {
  question: string;
  sql: string;
  result: Pick<SqlResult, 'columns' | 'rows' | 'rowCount' | 'truncated'>;
  hit: CacheHit | null;
  origin: AnswerOrigin;
  costUsd: number;
  asOf: string;
  routing: RoutingDecision;
  timings: Record<string, number>;
  understood: string;
}

function partsOf(s: QueryState): AnswerParts {
  const served = s.hit?.fresh ? s.hit.entry : null;
  return {
    question: s.input.question,
    sql: served?.sql ?? s.guarded!.sql,
    result: served ?? s.result!,
    hit: s.hit,
    origin: answerOrigin(s),
    costUsd: s.llm?.costUsd ?? 0,
    asOf: served?.asOf ?? s.asOf!,
    routing: s.routing!,
    timings: s.timings,
    understood: answerUnderstood(s),
  };
}

/**
 * Answers questions through the query workflow and turns the final state into the API's answer; records the
 * outcome in the metrics and the query history, and, off the request path, the question's embedding for the
 * semantic cache and for future prompts.
 */
@Injectable()
export class QueryService implements OnModuleDestroy {
  private readonly logger = new Logger(QueryService.name);
  private readonly background = new Set<Promise<void>>();

  constructor(
    private readonly graph: QueryGraph,
    private readonly metrics: MetricsService,
    private readonly history: QueryHistoryService,
    private readonly embeddings: EmbeddingService,
    private readonly index: SemanticAnswerIndex,
    private readonly models: SemanticModelService,
    private readonly answers: CachedAnswers,
    private readonly planner: SemanticPlanner,
    private readonly clock: QueryClock,
    private readonly conversations: ConversationRepository,
    private readonly knownValues: KnownValuesService,
  ) {}

  async ask(tenantId: string, question: string, options: QueryOptions = {}): Promise<QueryResponseDto> {
    const started = performance.now();
    const answerId = randomUUID();
    const noCache = options.noCache ?? false;
    const kept = options.conversation ?? true;
    const conversation = kept
      ? await this.conversations.open(tenantId, options.conversationId)
      : { id: '', form: null };
    const reading = this.planner.readInContext(question, conversation.form, {
      now: this.clock.now(),
      knownValues: await this.knownValues.get(tenantId),
    });
    if (reading.followUp && !reading.result.ok) {
      const error = this.planner.followUpRefused(reading.result.refusal);
      this.recordFailure(answerId, tenantId, question, null, error, performance.now() - started);
      throw error;
    }
    const form = reading.result.ok ? reading.result.form : null;
    const followUp = reading.followUp ? (form ?? undefined) : undefined;
    const answered = async (response: QueryResponseDto) => {
      if (!kept) return response;
      await this.conversations.save(tenantId, conversation.id, form);
      return { ...response, conversationId: conversation.id };
    };
    const fresh = noCache || followUp ? null : await this.freshExactHit(tenantId, question);
    if (fresh) {
      const totalMs = performance.now() - started;
      options.onProgress?.({ node: 'cacheLookup', ms: totalMs });
      const response = this.response(answerId, { ...fresh, timings: { cacheLookup: totalMs } }, totalMs);
      this.recorded(tenantId, response, { cacheLookup: totalMs });
      this.history.record({
        ...this.historyRow(
          answerId,
          tenantId,
          question,
          fresh.normalized,
          fresh.hit.entry.sourceSql,
          response,
        ),
        embedding: null,
        embeddingModel: null,
      });
      return answered(response);
    }
    const outcome = await this.graph.run(
      { tenantId, question, noCache, form: followUp },
      { signal: options.signal, onProgress: options.onProgress },
    );
    const totalMs = performance.now() - started;
    if (!outcome.ok) {
      this.recordFailure(answerId, tenantId, question, outcome.state, outcome.error, totalMs);
      throw outcome.error;
    }
    const s = outcome.state;
    const response = this.response(answerId, partsOf(s), totalMs);
    this.recorded(tenantId, response, s.timings);
    this.afterAnswer(answerId, s, response);
    return answered(response);
  }

  /** Answers in input order; a failed question becomes its error in the documented shape, not a failed batch. */
  async askMany(
    tenantId: string,
    questions: string[],
    options: QueryOptions = {},
  ): Promise<(QueryResponseDto | BatchErrorDto)[]> {
    const results = new Array<QueryResponseDto | BatchErrorDto>(questions.length);
    let next = 0;
    const worker = async () => {
      while (next < questions.length) {
        const i = next++;
        results[i] = await this.ask(tenantId, questions[i], { ...options, conversation: false }).catch(
          (err: unknown) => this.errorOf(err),
        );
      }
    };
    await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, questions.length) }, worker));
    return results;
  }

  /** Waits for background writes (history, embeddings); for shutdown and tests. */
  async settle(): Promise<void> {
    while (this.background.size > 0) await Promise.all([...this.background]);
    await this.history.flush();
  }

  async onModuleDestroy(): Promise<void> {
    await this.settle();
  }

  /**
   * An exact hit whose rows are still fresh, answered without running the workflow: LangGraph's own per-run cost
   * (~4 ms of CPU here) is larger than the whole cached answer. Everything else goes through the graph, whose
   * cacheLookup node makes the same lookup.
   */
  private async freshExactHit(
    tenantId: string,
    question: string,
  ): Promise<(Omit<AnswerParts, 'timings'> & { normalized: string; hit: CacheHit }) | null> {
    if (!this.answers.enabled) return null;
    const { key, normalized } = this.answers.keyOf(tenantId, question, this.clock.now());
    const found = await this.answers.lookup(tenantId, key);
    if (!found?.fresh) return null;
    const hit: CacheHit = { ...found, kind: 'exact', match: 'text', similarity: null };
    const { entry } = found;
    return {
      normalized,
      hit,
      question,
      sql: entry.sql,
      result: entry,
      origin: { route: entry.route, provider: entry.provider, model: entry.model },
      costUsd: 0,
      asOf: entry.asOf,
      routing: decideRoute({ hit, plan: null, threshold: this.planner.threshold, llmAvailable: null }),
      understood: entry.understood ?? `the earlier answer to "${entry.question}"`,
    };
  }

  private response(answerId: string, p: AnswerParts, totalMs: number): QueryResponseDto {
    const { hit, routing, result } = p;
    const route: QueryRoute = routing.route === 'refuse' ? 'simple' : routing.route;
    const timings: Record<string, number> = { totalMs: round(totalMs) };
    for (const [k, v] of Object.entries(p.timings)) timings[k] = round(v);
    return {
      answerId,
      question: p.question,
      understood: p.understood,
      sql: p.sql,
      columns: result.columns,
      rows: result.rows,
      rowCount: result.rowCount,
      truncated: result.truncated,
      route,
      cache: {
        hit: hit !== null,
        kind: hit?.kind ?? null,
        match: hit?.match ?? null,
        similarity: hit?.similarity == null ? null : Math.round(hit.similarity * 1000) / 1000,
        fresh: hit ? hit.fresh : null,
        question: hit && hit.match !== 'text' ? hit.entry.question : null,
      },
      provider: p.origin.provider,
      model: p.origin.model,
      costUsd: Math.round(p.costUsd * 1e8) / 1e8,
      asOf: p.asOf,
      timings,
      routing: {
        route,
        reason: routing.reason,
        confidence: routing.confidence,
        threshold: routing.threshold,
        llmAvailable: routing.llmAvailable,
      },
    };
  }

  private recorded(
    tenantId: string,
    response: QueryResponseDto,
    nodeLatenciesMs: Record<string, number>,
  ): void {
    this.metrics.recordQuery(tenantId, {
      route: response.route,
      cacheKind: response.cache.kind,
      latencyMs: response.timings.totalMs,
      ok: true,
      nodeLatenciesMs,
    });
  }

  private historyRow(
    answerId: string,
    tenantId: string,
    question: string,
    normalized: string,
    sql: string | null,
    response: QueryResponseDto,
  ): Omit<QueryHistoryRow, 'embedding' | 'embeddingModel'> {
    return {
      id: answerId,
      tenantId,
      question,
      normalizedQuestion: normalized,
      sql,
      executedSql: response.sql,
      route: response.route,
      cacheKind: response.cache.kind,
      provider: response.provider,
      model: response.model,
      costUsd: response.costUsd,
      latencyMs: response.timings.totalMs,
      success: true,
      errorCode: null,
      rowCount: response.rowCount,
    };
  }

  /** History row, and the question's embedding for the semantic index when the route did not need one. */
  private afterAnswer(answerId: string, s: QueryState, response: QueryResponseDto): void {
    const { tenantId, question, noCache } = s.input;
    const row = this.historyRow(
      answerId,
      tenantId,
      question,
      s.normalized,
      s.hit?.entry.sourceSql ?? s.candidate?.sql ?? null,
      response,
    );
    if (response.route === 'cached') {
      this.history.record({ ...row, embedding: null, embeddingModel: null });
      return;
    }
    this.track(async () => {
      const embedding = s.embedding ?? (await this.embed(question));
      // A follow-up's words alone do not say what it asked: it is not offered to other questions by its text.
      if (embedding && !s.embedding && !noCache && !s.input.form && s.fingerprint && s.generations) {
        await this.index.add(tenantId, this.models.version, {
          key: s.exactKey,
          question,
          fingerprint: s.fingerprint,
          vector: embedding.vector,
          embeddingModel: embedding.model,
          at: Date.now(),
        });
      }
      this.history.record({
        ...row,
        embedding: embedding?.vector ?? null,
        embeddingModel: embedding?.model ?? null,
      });
    });
  }

  private recordFailure(
    answerId: string,
    tenantId: string,
    question: string,
    s: QueryState | null,
    error: unknown,
    totalMs: number,
  ): void {
    const code = error instanceof AppException ? (error.code as ErrorCode) : ErrorCode.INTERNAL_ERROR;
    const decided = s?.routing?.route;
    const route: QueryRoute = decided === undefined || decided === 'refuse' ? 'simple' : decided;
    this.metrics.recordQuery(tenantId, {
      route,
      cacheKind: null,
      latencyMs: totalMs,
      ok: false,
      nodeLatenciesMs: s?.timings,
    });
    this.history.record({
      id: answerId,
      tenantId,
      question,
      normalizedQuestion: s?.normalized || normalizeQuestionText(question),
      sql: s?.draft?.sql ?? s?.candidate?.sql ?? null,
      executedSql: null,
      route,
      cacheKind: null,
      provider: s?.llm?.provider ?? null,
      model: s?.llm?.model ?? null,
      costUsd: s?.llm?.costUsd ?? 0,
      latencyMs: round(totalMs),
      success: false,
      errorCode: code,
      rowCount: null,
      embedding: null,
      embeddingModel: null,
    });
  }

  private errorOf(err: unknown): BatchErrorDto {
    if (err instanceof AppException) {
      const e = err as AppException<ErrorCode>;
      return {
        error: {
          code: e.code,
          message: e.message,
          ...(e.details === undefined ? {} : { details: e.details }),
        },
      };
    }
    this.logger.error(
      `Batch question failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    );
    return { error: { code: ErrorCode.INTERNAL_ERROR, message: 'Internal error' } };
  }

  private async embed(question: string): Promise<QuestionEmbedding | null> {
    try {
      const { vector, model } = await this.embeddings.embedOne(question);
      return { vector, model };
    } catch {
      return null;
    }
  }

  private track(work: () => Promise<void>): void {
    const p = work().catch((err: unknown) =>
      this.logger.warn(`Background work after an answer failed: ${String(err)}`),
    );
    this.background.add(p);
    void p.finally(() => this.background.delete(p));
  }
}
