import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppException, ErrorCode } from '@app/common';
import { AppConfig } from '@app/config';
import { EmbeddingService } from '@app/embedding';
import { MetricsService } from '@app/metrics';
import { FairShareService } from '@app/throttling';
import { KnownValuesService } from '../agent/known-values.service';
import { decideRoute } from '../agent/query-graph.nodes';
import { QueryGraphService } from '../agent/query-graph.service';
import type { NodeProgress, QueryState, QuestionEmbedding } from '../agent/query-state';
import { QueryStepError, type QueryTrace } from '../agent/query-step.error';
import {
  AnswerCacheService,
  normalizeQuestionText,
  type AnswerLookup,
  type ExactKey,
} from '../cache/answer-cache.service';
import { QuestionPlannerService } from '../semantic';
import {
  answeredRow,
  answeredRun,
  cachedAnswer,
  failedRoute,
  failedRow,
  rejectionOf,
  responseOf,
  traceOf,
  type AnsweredQuestion,
} from './answer.mapper';
import type { BatchErrorDto, QueryResponseDto } from './dto/query-response.dto';
import { QueryHistoryService } from './query-history.service';
import { ConversationRepository, type UnreadQuestion } from './conversation.repository';
import type { LogicalForm } from '../semantic/parser/logical-form.types';

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

/**
 * The one owner of the answer path, a thin facade over the query graph: reads the question in its conversation,
 * makes the exact cache lookup once (a fresh hit is answered without the graph), runs the graph with the run's
 * context, and turns its outcome into the API's answer or error (answer.mapper). Records the outcome in the
 * metrics and the query history (with, off the request path, the question's embedding for future prompts).
 */
@Injectable()
export class QueryService implements OnModuleDestroy {
  private readonly logger = new Logger(QueryService.name);
  private readonly background = new Set<Promise<void>>();
  /** The instant relative time windows are resolved against: QUERY_FIXED_NOW (demos, tests), else the clock. */
  private readonly fixedNow?: Date;

  constructor(
    private readonly graph: QueryGraphService,
    private readonly cache: AnswerCacheService,
    private readonly planner: QuestionPlannerService,
    private readonly knownValues: KnownValuesService,
    private readonly conversations: ConversationRepository,
    private readonly metrics: MetricsService,
    private readonly history: QueryHistoryService,
    private readonly embeddings: EmbeddingService,
    private readonly fairShare: FairShareService,
    config: AppConfig,
  ) {
    this.fixedNow = config.query.fixedNow;
  }

  async ask(tenantId: string, question: string, options: QueryOptions = {}): Promise<QueryResponseDto> {
    const started = performance.now();
    const answerId = randomUUID();
    const noCache = options.noCache ?? false;
    const kept = options.conversation ?? true;
    const conversation = kept
      ? await this.conversations.open(tenantId, options.conversationId)
      : { id: '', form: null };
    const now = this.fixedNow ? new Date(this.fixedNow.getTime()) : new Date();
    const previous = conversation.unread
      ? await this.readAlone(tenantId, conversation.unread)
      : conversation.form;
    const cacheable = !noCache && this.cache.enabled;

    // The one exact lookup. A fresh hit is answered without running the workflow: LangGraph's own per-run cost
    // (~4 ms of CPU) is larger than the whole cached answer. Otherwise what it found travels in the run.
    // With nothing before it in its conversation the question cannot be a follow-up, so it is looked up before
    // it is read (reading costs more than a cached answer): a hit is served unread, and the conversation keeps
    // the question unread (with its instant) until a follow-up reads it.
    let exact: ExactKey | null = null;
    let exactHit: AnswerLookup | null = null;
    if (previous === null && cacheable) {
      exact = this.cache.keyOf(tenantId, question, now);
      const saveUnread = () =>
        this.conversations.saveUnread(tenantId, conversation.id, { question, at: now });
      // A new conversation is written while the answer is looked up, not after (one round trip in the tenant's
      // fair-share slot instead of two). On a miss the answer's own save replaces it, in order on the same
      // connection; the id is only handed out with an answer.
      const early = kept && !options.conversationId ? saveUnread() : null;
      exactHit = await this.cache.lookup(tenantId, exact.key);
      if (exactHit?.fresh) {
        const response = this.servedFresh(answerId, tenantId, question, exact, exactHit, started, options);
        if (!kept) return response;
        await (early ?? saveUnread());
        return { ...response, conversationId: conversation.id };
      }
    }

    // Anything beyond a fresh cached answer is work (reading, SQL, perhaps a model): it waits for a fair-share
    // slot of the tenant's, so one tenant's backlog of questions cannot crowd out another's.
    return this.fairShare.run('query', tenantId, async () => {
      const knownValues = await this.knownValues.get(tenantId);
      const reading = this.planner.readInContext(question, previous, { now, knownValues });
      if (reading.followUp && !reading.result.ok) {
        const error = this.planner.followUpRefused(reading.result.refusal);
        const normalized = normalizeQuestionText(question);
        this.failed(answerId, tenantId, question, normalized, null, error, performance.now() - started);
        throw error;
      }
      const form = reading.result.ok ? reading.result.form : null;
      const followUp = reading.followUp ? (form ?? undefined) : undefined;
      const withConversation = async (response: QueryResponseDto) => {
        if (!kept) return response;
        await this.conversations.save(tenantId, conversation.id, form);
        return { ...response, conversationId: conversation.id };
      };
      if (!exact || followUp) {
        exact = this.cache.keyOf(tenantId, question, now, followUp);
        exactHit = cacheable ? await this.cache.lookup(tenantId, exact.key) : null;
        if (exactHit?.fresh && !followUp) {
          return withConversation(
            this.servedFresh(answerId, tenantId, question, exact, exactHit, started, options),
          );
        }
      }

      let state: QueryState;
      try {
        state = await this.graph.run(
          { tenantId, question, noCache, form: followUp, now, knownValues, exact, exactHit },
          { signal: options.signal, onProgress: options.onProgress },
        );
      } catch (err) {
        const error = err instanceof QueryStepError ? err.cause : err;
        const trace = err instanceof QueryStepError ? err.trace : null;
        this.failed(
          answerId,
          tenantId,
          question,
          exact.normalized,
          trace,
          error,
          performance.now() - started,
        );
        throw error;
      }
      const totalMs = performance.now() - started;
      const outcome = state.outcome!;
      switch (outcome.status) {
        case 'refused': {
          const error = this.planner.cannotAnswer(state.plan!);
          this.failed(answerId, tenantId, question, exact.normalized, traceOf(state), error, totalMs);
          throw error;
        }
        case 'rejected': {
          const error = rejectionOf(outcome.attempts);
          const trace = traceOf(state, outcome.attempts);
          this.failed(answerId, tenantId, question, exact.normalized, trace, error, totalMs);
          throw error;
        }
        case 'answered': {
          const a = answeredRun(question, state, outcome.answer);
          return withConversation(
            this.answered(answerId, tenantId, exact.normalized, a, totalMs, state.embedding),
          );
        }
      }
    });
  }

  /** A fresh exact hit's answer, recorded in the metrics and the history like any other answer. */
  private servedFresh(
    answerId: string,
    tenantId: string,
    question: string,
    exact: ExactKey,
    found: AnswerLookup,
    started: number,
    options: QueryOptions,
  ): QueryResponseDto {
    const totalMs = performance.now() - started;
    options.onProgress?.({ node: 'cacheLookup', ms: totalMs });
    const threshold = this.planner.threshold;
    const a = cachedAnswer(
      question,
      found,
      (hit) => decideRoute({ hit, plan: null, threshold, llmAvailable: null }),
      { cacheLookup: totalMs },
    );
    return this.answered(answerId, tenantId, exact.normalized, a, totalMs, null);
  }

  /** A question kept unread (answered from the cache), read alone at the instant it was asked. */
  private async readAlone(tenantId: string, unread: UnreadQuestion): Promise<LogicalForm | null> {
    const reading = this.planner.readInContext(unread.question, null, {
      now: unread.at,
      knownValues: await this.knownValues.get(tenantId),
    });
    return reading.result.ok ? reading.result.form : null;
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
   * The answer, recorded in the metrics and the query history; off the request path, the question's embedding
   * for the history (examples for future prompts) when the route did not need one.
   */
  private answered(
    answerId: string,
    tenantId: string,
    normalized: string,
    a: AnsweredQuestion,
    totalMs: number,
    embedding: QuestionEmbedding | null,
  ): QueryResponseDto {
    const response = responseOf(answerId, a, totalMs);
    this.metrics.recordQuery(tenantId, {
      route: response.route,
      cacheKind: response.cache.kind,
      latencyMs: response.timings.totalMs,
      ok: true,
      nodeLatenciesMs: a.timings,
    });
    const row = answeredRow(answerId, tenantId, normalized, a, response);
    if (response.route === 'cached') {
      this.history.record({ ...row, embedding: null, embeddingModel: null });
      return response;
    }
    this.track(async () => {
      const e = embedding ?? (await this.embeddings.embedOneOrNull(a.question, 'the history row'));
      this.history.record({ ...row, embedding: e?.vector ?? null, embeddingModel: e?.model ?? null });
    });
    return response;
  }

  private failed(
    answerId: string,
    tenantId: string,
    question: string,
    normalized: string,
    trace: QueryTrace | null,
    error: unknown,
    totalMs: number,
  ): void {
    this.metrics.recordQuery(tenantId, {
      route: failedRoute(trace),
      cacheKind: null,
      latencyMs: totalMs,
      ok: false,
      nodeLatenciesMs: trace?.timings,
    });
    this.history.record(failedRow(answerId, tenantId, question, normalized, trace, error, totalMs));
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

  private track(work: () => Promise<void>): void {
    const p = work().catch((err: unknown) =>
      this.logger.warn(`Background work after an answer failed: ${String(err)}`),
    );
    this.background.add(p);
    void p.finally(() => this.background.delete(p));
  }
}
