/**
 * The query graph's own steps, in the order a question meets them (query-graph.service wires them): entry reads
 * the question, cacheLookup decides the route, compile writes the zero-cost SQL, guard and execute run whatever
 * SQL a route produced, store caches the answer. The writeSql subgraph's steps are in write-sql.nodes.ts.
 */
import { Injectable, Logger } from '@nestjs/common';
import { EmbeddingService } from '@app/embedding';
import { AnswerCacheService, fingerprintOf } from '../cache/answer-cache.service';
import { LlmRouterService, SemanticLayerProvider } from '../providers';
import { servedAnswer } from '../query/answer.mapper';
import { QuestionPlannerService, SemanticModelService, type QueryPlan } from '../semantic';
import { SqlExecutorService, SqlGuardService } from '../sql';
import type {
  CacheHit,
  QueryContext,
  QueryNode,
  QueryState,
  QueryUpdate,
  QuestionEmbedding,
  RoutingDecision,
} from './query-state';

/**
 * Reads the question: the semantic planner's plan and confidence, made with the tenant's own names (people,
 * repositories, services) so they are matched rather than guessed, and the fingerprint the semantic cache compares.
 */
@Injectable()
export class EntryNode implements QueryNode {
  readonly name = 'entry';

  constructor(private readonly planner: QuestionPlannerService) {}

  async run(_state: QueryState, ctx: QueryContext): Promise<QueryUpdate> {
    const { question, form, now, knownValues } = ctx;
    const started = performance.now();
    let plan: QueryPlan;
    if (form) {
      plan = this.planner.planOf(question, form, now);
    } else {
      plan = await this.planner.plan(question, { now, knownValues });
      if (!plan.answerable) {
        // A known value right after its prefix ("assigned to alice", "labelled security") is taken as the value and
        // leaves the prefix unread; the reading without the tenant's values can then be the confident one.
        const unaided = await this.planner.plan(question, { now });
        if (unaided.confidence > plan.confidence) plan = unaided;
      }
    }
    const planMs = performance.now() - started;
    return { plan, fingerprint: fingerprintOf(question, plan), timings: { plan: planMs } };
  }
}

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
 * The complexity router, the one place a question's route is decided (the graph's edges follow `next`): a fresh
 * (or refreshable) cached answer first, then the zero-cost semantic route when the planner is confident, then an
 * LLM when the tenant has one; otherwise the question is refused with what the planner understood.
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
    return {
      ...base,
      route: 'cached',
      reason: `${hit.kind} cache hit: ${how}; ${state}`,
      next: hit.fresh ? 'done' : 'refresh',
    };
  }
  if (!plan) throw new Error('a question without a cached answer must be planned before it is routed');
  if (plan.answerable) {
    return {
      ...base,
      route: 'simple',
      reason: `semantic planner confidence ${pct(plan.confidence)} >= ${pct(threshold)}`,
      next: 'simple',
    };
  }
  const why = plan.measure
    ? `semantic planner confidence ${pct(plan.confidence)} < ${pct(threshold)}`
    : 'the semantic planner found nothing to measure';
  if (llmAvailable) {
    return { ...base, route: 'complex', reason: `${why}; an LLM writes the SQL`, next: 'complex' };
  }
  return {
    ...base,
    route: 'refuse',
    reason: `${why} and no LLM is configured for this tenant`,
    next: 'refuse',
  };
}

/**
 * Looks for an answer this tenant already has: the same text (the exact lookup made before the run), the same
 * confident plan, or, for questions the planner is unsure of, a close embedding with the same fingerprint
 * (semantic). Then routes the question; a fresh cached answer or a refusal ends the run here.
 */
@Injectable()
export class CacheLookupNode implements QueryNode {
  readonly name = 'cacheLookup';

  constructor(
    private readonly cache: AnswerCacheService,
    private readonly embeddings: EmbeddingService,
    private readonly models: SemanticModelService,
    private readonly planner: QuestionPlannerService,
    private readonly llm: LlmRouterService,
  ) {}

  async run(state: QueryState, ctx: QueryContext): Promise<QueryUpdate> {
    const plan = state.plan!;
    const { tenantId } = ctx;
    let embedding = state.embedding;
    let hit: CacheHit | null = ctx.exactHit
      ? { ...ctx.exactHit, kind: 'exact', match: 'text', similarity: null }
      : null;
    if (!ctx.noCache && this.cache.enabled) {
      if (!hit && plan.answerable && state.fingerprint?.planSignature) {
        const key = await this.cache.findByPlan(tenantId, state.fingerprint.planSignature);
        if (key) hit = await this.lookup(tenantId, key, 'plan', null);
      }
      if (!hit && !plan.answerable) {
        embedding = await this.embeddings.embedOneOrNull(ctx.question, 'the semantic cache lookup');
        if (embedding && state.fingerprint) {
          const similar = await this.cache.findSimilar(tenantId, {
            ...embedding,
            fingerprint: state.fingerprint,
          });
          if (similar) hit = await this.lookup(tenantId, similar.key, 'embedding', similar.similarity);
        }
      }
    }
    const llmAvailable = !hit && !plan.answerable ? await this.llm.hasProvider(tenantId) : null;
    const routing = decideRoute({ hit, plan, threshold: this.planner.threshold, llmAvailable });
    const update = {
      hit,
      embedding,
      routing,
      candidate: hit && !hit.fresh ? { source: 'cache' as const, sql: hit.entry.sourceSql } : null,
    };
    switch (routing.next) {
      case 'done':
        return {
          ...update,
          outcome: { status: 'answered', answer: servedAnswer({ ...state, ...update }, ctx, this.models) },
        };
      case 'refuse':
        return { ...update, outcome: { status: 'refused' } };
      case 'refresh':
      case 'simple':
      case 'complex':
        return update;
    }
  }

  private async lookup(
    tenantId: string,
    key: string,
    match: CacheHit['match'],
    similarity: number | null,
  ): Promise<CacheHit | null> {
    const found = await this.cache.lookup(tenantId, key);
    return found ? { ...found, kind: 'semantic', match, similarity } : null;
  }
}

/** The zero-cost route: the semantic layer writes the SQL from its plan (metered by the provider). */
@Injectable()
export class CompileNode implements QueryNode {
  readonly name = 'compile';

  constructor(private readonly semantic: SemanticLayerProvider) {}

  run(state: QueryState, ctx: QueryContext): QueryUpdate {
    const compiled = this.semantic.compile(state.plan!, ctx.tenantId, state.timings.plan ?? 0);
    return { candidate: { source: 'semantic', sql: compiled.guardSql } };
  }
}

/**
 * Every route's SQL passes here right before it runs, whatever validated it before: one SELECT over the model's
 * tables, every tenant-scoped table filtered to the caller, a capped LIMIT. Throws SQL_REJECTED otherwise.
 */
@Injectable()
export class GuardNode implements QueryNode {
  readonly name = 'guard';

  constructor(
    private readonly guard: SqlGuardService,
    private readonly models: SemanticModelService,
  ) {}

  run(state: QueryState): QueryUpdate {
    const { sql, parsed } = state.candidate!;
    // Validation's parse of this very text is reused (the guard rewrites a copy, never the shared tree); any
    // other SQL is parsed here. Safety does not rest on the reuse: the full guard runs again either way.
    const input = parsed?.sql === sql ? parsed : sql;
    return { guarded: this.guard.check(input, { catalog: this.models.catalog }) };
  }
}

/** Runs the guarded SQL as the read-only role of the caller's tenant. */
@Injectable()
export class ExecuteNode implements QueryNode {
  readonly name = 'execute';
  private readonly logger = new Logger(ExecuteNode.name);

  constructor(
    private readonly executor: SqlExecutorService,
    private readonly cache: AnswerCacheService,
  ) {}

  async run(state: QueryState, ctx: QueryContext): Promise<QueryUpdate> {
    const guarded = state.guarded!;
    const { tenantId } = ctx;
    // Read before the rows: a write landing in between makes the cached answer look stale, never fresh.
    const generations = await this.cache.generations(tenantId, guarded.tables).catch((err: unknown) => {
      this.logger.warn(`Data generations unreadable, answer not cached: ${String(err)}`);
      return null;
    });
    const asOf = new Date().toISOString();
    const result = await this.executor.execute(guarded, { tenantId });
    return { generations, asOf, result };
  }
}

/**
 * The run's answer. Caches it under its exact key (and refreshes the entry it was re-run from), and offers the
 * question, with its embedding, to the semantic lookups: the one writer of the semantic index. Nothing is cached
 * for noCache questions or when the data generations could not be read.
 */
@Injectable()
export class StoreNode implements QueryNode {
  readonly name = 'store';

  constructor(
    private readonly cache: AnswerCacheService,
    private readonly models: SemanticModelService,
    private readonly embeddings: EmbeddingService,
  ) {}

  async run(state: QueryState, ctx: QueryContext): Promise<QueryUpdate> {
    const answer = servedAnswer(state, ctx, this.models);
    const update: QueryUpdate = { outcome: { status: 'answered', answer } };
    if (ctx.noCache || !this.cache.enabled || !state.generations) return update;
    const { hit, fingerprint } = state;
    const { key } = ctx.exact;
    const writes = [this.cache.set(key, { ...answer, question: ctx.question })];
    if (hit && hit.key !== key) writes.push(this.cache.set(hit.key, answer));
    if (fingerprint && (!hit || hit.key !== key)) {
      writes.push(
        this.vectorOf(state, ctx).then((embedding) =>
          this.cache.index(ctx.tenantId, {
            key,
            question: ctx.question,
            fingerprint,
            vector: embedding?.vector ?? null,
            embeddingModel: embedding?.model ?? null,
            at: Date.now(),
          }),
        ),
      );
    }
    await Promise.all(writes);
    return update;
  }

  /**
   * Only a question the planner is unsure of is ever matched by its embedding, and the lookup embedded it already;
   * embedding again covers a lookup whose embedding failed. A follow-up's words alone do not say what it asked.
   */
  private async vectorOf(state: QueryState, ctx: QueryContext): Promise<QuestionEmbedding | null> {
    if (state.embedding || state.plan?.answerable || ctx.form) return state.embedding;
    return this.embeddings.embedOneOrNull(ctx.question, 'the semantic index entry');
  }
}
