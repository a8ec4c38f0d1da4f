/**
 * How a run's state becomes what the caller gets: the answer as served and cached (its SQL's author, what it
 * answers, what its columns mean), the API response, the query-history row, and the errors of runs that ended
 * without an answer.
 */
import { AppException, ErrorCode } from '@app/common';
import type { QueryRoute } from '@app/metrics';
import { QueryAgentException } from '../agent/query-agent.exception';
import type {
  CacheHit,
  GenerationAttempt,
  QueryContext,
  QueryState,
  RoutingDecision,
} from '../agent/query-state';
import type { QueryTrace } from '../agent/query-step.error';
import type { CachedAnswer } from '../cache/cache.types';
import type { ModelEntity, QueryPlan, SemanticModel } from '../semantic';
import type { QueryResponseDto } from './dto/query-response.dto';
import type { QueryHistoryRow } from './query-history.service';

/** What one answer column means, for a chart's axis titles and value formatting. */
export interface AnswerColumn {
  /** The column's name in `columns`. */
  name: string;
  /** Human label from the semantic model: "Assignee", "Median cycle time", "Week (resolved)". */
  label: string;
  /**
   * `count` (integers), `ratio` (a fraction in [0, 1], shown as a percentage), a measure's own unit (`hours`,
   * `days`, `minutes`, `points`, `lines`), a time bucket's grain (`day` … `year`), or null.
   */
  unit: string | null;
  role: 'dimension' | 'measure' | 'time';
}

const AGGREGATION_WORDS: Record<string, string> = {
  avg: 'Average',
  median: 'Median',
  sum: 'Total',
  min: 'Minimum',
  max: 'Maximum',
};

const capitalized = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const humanized = (name: string) => capitalized(name.replace(/_/g, ' '));

function fieldColumn(e: ModelEntity, column: string, name: string): AnswerColumn {
  if (column === e.idColumn) return { name, label: 'ID', unit: null, role: 'dimension' };
  const time = e.timeColumns[column];
  if (time) return { name, label: capitalized(time.label), unit: null, role: 'time' };
  const dim = Object.values(e.dimensions).find((d) => d.column === column);
  return { name, label: capitalized(dim?.label ?? humanized(column)), unit: null, role: 'dimension' };
}

function measureColumns(plan: QueryPlan, model: SemanticModel): AnswerColumn[] {
  const m = plan.measure;
  const def = m ? model.measures[m.key] : undefined;
  if (!m || !def) return [];
  switch (def.type) {
    case 'count':
      // The alias says what was counted ("open_bugs", "bugs_resolved"); a named count has its own label.
      return [
        {
          name: m.alias,
          label: def.alias ? capitalized(def.label) : humanized(m.alias),
          unit: 'count',
          role: 'measure',
        },
      ];
    case 'ratio':
      return [
        { name: m.alias, label: capitalized(def.label), unit: 'ratio', role: 'measure' },
        ...[
          def.numeratorAlias ?? `${m.alias}_numerator`,
          def.denominatorAlias ?? `${m.alias}_denominator`,
        ].map((name): AnswerColumn => ({ name, label: humanized(name), unit: 'count', role: 'measure' })),
      ];
    case 'number':
    case 'duration': {
      const agg =
        m.aggregation === 'percentile'
          ? `p${Math.round((m.percentile ?? 0.5) * 100)}`
          : AGGREGATION_WORDS[m.aggregation];
      const label = agg ? `${agg} ${def.label}` : capitalized(def.label);
      return [{ name: m.alias, label, unit: def.unit ?? null, role: 'measure' }];
    }
  }
}

/** Every column the compiled SQL of a plan can return, by name. */
function planColumns(plan: QueryPlan, model: SemanticModel): AnswerColumn[] {
  const e = plan.entity ? model.entities[plan.entity] : undefined;
  if (!e) return [];
  const projection = plan.projection ?? { kind: 'aggregate' };
  switch (projection.kind) {
    case 'rows':
    case 'lookup':
      return projection.columns.map((c) => fieldColumn(e, c.column, c.alias));
    case 'distinct':
      return [fieldColumn(e, projection.column.column, projection.column.alias)];
    case 'aggregate': {
      const out: AnswerColumn[] = [];
      if (plan.grain) {
        const when = plan.time ? ` (${plan.time.label})` : '';
        out.push({
          name: plan.grain,
          label: `${capitalized(plan.grain)}${when}`,
          unit: plan.grain,
          role: 'time',
        });
      }
      for (const d of plan.dimensions) {
        const label = model.entities[d.entity]?.dimensions[d.key]?.label ?? d.key;
        out.push({ name: d.alias, label: capitalized(label), unit: null, role: 'dimension' });
      }
      return [...out, ...measureColumns(plan, model)];
    }
  }
}

/**
 * The meaning of each answer column, from the plan the semantic compiler turned into the SQL; undefined when a
 * column is not one the plan names (then clients fall back to the column names rather than mislabel a column).
 */
export function answerColumns(
  plan: QueryPlan,
  model: SemanticModel,
  names: string[],
): AnswerColumn[] | undefined {
  const known = new Map(planColumns(plan, model).map((c) => [c.name, c]));
  const out = names.map((n) => known.get(n));
  return out.every((c): c is AnswerColumn => c !== undefined) ? out : undefined;
}

/**
 * Column meanings of the answer a workflow run produced: the semantic plan's for SQL the compiler wrote, a cached
 * answer's own, none for SQL a model wrote.
 */
export function stateAnswerColumns(state: QueryState, model: SemanticModel): AnswerColumn[] | undefined {
  if (state.hit) {
    const kept = state.hit.entry.columnInfo;
    const names = (state.result ?? state.hit.entry).columns;
    return kept?.length === names.length && kept.every((c, i) => c.name === names[i]) ? kept : undefined;
  }
  if (state.candidate?.source !== 'semantic' || !state.plan || !state.result) return undefined;
  return answerColumns(state.plan, model, state.result.columns);
}

export interface AnswerOrigin {
  /** The route that wrote the SQL (a cached answer keeps the route it was first computed on). */
  route: 'simple' | 'complex';
  provider: string;
  model: string;
}

/** Who wrote an answer's SQL: the semantic layer, a model through an integration, or the cached answer's author. */
export function answerOrigin(state: QueryState): AnswerOrigin {
  if (state.hit) {
    const { route, provider, model } = state.hit.entry;
    return { route, provider, model };
  }
  if (state.llm) return { route: 'complex', provider: state.llm.provider, model: state.llm.model };
  return {
    route: 'simple',
    provider: 'semantic-layer',
    model: `semantic-model@${state.plan?.modelVersion ?? 'unknown'}`,
  };
}

/**
 * What the answer answers, in plain English: the semantic plan's restatement, or, for SQL a model wrote, that it
 * did (with what the parser could read). A cached answer keeps the reading it was computed with.
 */
export function answerUnderstood(state: QueryState): string {
  if (state.hit?.entry.understood) return state.hit.entry.understood;
  const plan = state.plan;
  if (state.llm) {
    const read = plan?.understood ? `; the question parser read: ${plan.understood}` : '';
    return `SQL written by the model ${state.llm.model} (${state.llm.provider})${read}`;
  }
  if (plan?.answerable) return plan.understood ?? plan.explanation;
  if (state.hit) return `the earlier answer to "${state.hit.entry.question}"`;
  return plan?.understood ?? '';
}

/**
 * The answer a run serves, as it is cached: a fresh cached answer as found, or the rows just read with their SQL,
 * data versions and author; with what it answers and what its columns mean.
 */
export function servedAnswer(
  state: QueryState,
  ctx: QueryContext,
  models: { model: SemanticModel; version: string },
): CachedAnswer {
  const { hit } = state;
  const meaning = {
    understood: answerUnderstood(state),
    columnInfo: stateAnswerColumns(state, models.model),
  };
  if (hit?.fresh) return { ...hit.entry, ...meaning };
  const { candidate, guarded, result, generations, asOf } = state;
  const origin = answerOrigin(state);
  return {
    tenantId: ctx.tenantId,
    question: hit?.entry.question ?? ctx.question,
    sourceSql: candidate!.sql,
    sql: guarded!.sql,
    columns: result!.columns,
    rows: result!.rows,
    rowCount: result!.rowCount,
    truncated: result!.truncated,
    tables: guarded!.tables,
    generations: generations ?? {},
    asOf: asOf!,
    route: origin.route,
    provider: origin.provider,
    model: origin.model,
    modelVersion: models.version,
    createdAt: new Date().toISOString(),
    ...meaning,
  };
}

/** An answered question, however it was found: the answer as served, how it was found, what it cost. */
export interface AnsweredQuestion {
  question: string;
  answer: CachedAnswer;
  hit: CacheHit | null;
  routing: RoutingDecision;
  costUsd: number;
  timings: Record<string, number>;
}

const round = (ms: number) => Math.round(ms * 100) / 100;

/** The final state of a run that answered. */
export function answeredRun(question: string, state: QueryState, answer: CachedAnswer): AnsweredQuestion {
  return {
    question,
    answer,
    hit: state.hit,
    routing: state.routing!,
    costUsd: state.llm?.costUsd ?? 0,
    timings: state.timings,
  };
}

/** A fresh exact hit answered before the workflow, as the workflow would have served it. */
export function cachedAnswer(
  question: string,
  found: Omit<CacheHit, 'kind' | 'match' | 'similarity'>,
  routing: (hit: CacheHit) => RoutingDecision,
  timings: Record<string, number>,
): AnsweredQuestion {
  const hit: CacheHit = { ...found, kind: 'exact', match: 'text', similarity: null };
  const { entry } = found;
  return {
    question,
    answer: { ...entry, understood: entry.understood ?? `the earlier answer to "${entry.question}"` },
    hit,
    routing: routing(hit),
    costUsd: 0,
    timings,
  };
}

export function responseOf(answerId: string, a: AnsweredQuestion, totalMs: number): QueryResponseDto {
  const { hit, routing, answer } = a;
  const route: QueryRoute = routing.route === 'refuse' ? 'simple' : routing.route;
  const timings: Record<string, number> = { totalMs: round(totalMs) };
  for (const [k, v] of Object.entries(a.timings)) timings[k] = round(v);
  return {
    answerId,
    question: a.question,
    understood: answer.understood ?? '',
    sql: answer.sql,
    columns: answer.columns,
    ...(answer.columnInfo ? { columnInfo: answer.columnInfo } : {}),
    rows: answer.rows,
    rowCount: answer.rowCount,
    truncated: answer.truncated,
    route,
    cache: {
      hit: hit !== null,
      kind: hit?.kind ?? null,
      match: hit?.match ?? null,
      similarity: hit?.similarity == null ? null : Math.round(hit.similarity * 1000) / 1000,
      fresh: hit ? hit.fresh : null,
      question: hit && hit.match !== 'text' ? hit.entry.question : null,
    },
    provider: answer.provider,
    model: answer.model,
    costUsd: Math.round(a.costUsd * 1e8) / 1e8,
    asOf: answer.asOf,
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

/** The history row of an answer (its embedding is added off the request path). */
export function answeredRow(
  answerId: string,
  tenantId: string,
  normalized: string,
  a: AnsweredQuestion,
  response: QueryResponseDto,
): Omit<QueryHistoryRow, 'embedding' | 'embeddingModel'> {
  return {
    id: answerId,
    tenantId,
    question: a.question,
    normalizedQuestion: normalized,
    sql: a.answer.sourceSql,
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

/** The route a failed question was on (a refusal counts as the semantic route it could not take). */
export function failedRoute(trace: QueryTrace | null): QueryRoute {
  const decided = trace?.routing?.route;
  return decided === undefined || decided === 'refuse' ? 'simple' : decided;
}

export function failedRow(
  answerId: string,
  tenantId: string,
  question: string,
  normalized: string,
  trace: QueryTrace | null,
  error: unknown,
  totalMs: number,
): QueryHistoryRow {
  return {
    id: answerId,
    tenantId,
    question,
    normalizedQuestion: normalized,
    sql: trace?.sql ?? null,
    executedSql: null,
    route: failedRoute(trace),
    cacheKind: null,
    provider: trace?.llm?.provider ?? null,
    model: trace?.llm?.model ?? null,
    costUsd: trace?.llm?.costUsd ?? 0,
    latencyMs: round(totalMs),
    success: false,
    errorCode: error instanceof AppException ? (error.code as ErrorCode) : ErrorCode.INTERNAL_ERROR,
    rowCount: null,
    embedding: null,
    embeddingModel: null,
  };
}

/** What a run that ended without an answer had reached. */
export function traceOf(state: QueryState, attempts: GenerationAttempt[] = []): QueryTrace {
  return {
    routing: state.routing,
    timings: state.timings,
    sql: attempts.at(-1)?.sql ?? state.candidate?.sql ?? null,
    llm: state.llm,
  };
}

/** The model's SQL still failed validation after the correction rounds: 422 SQL_REJECTED, nothing executed. */
export function rejectionOf(attempts: GenerationAttempt[]): QueryAgentException {
  const last = attempts[attempts.length - 1];
  const reasons = last?.issues.map((i) => i.message).join(' ') ?? 'no SQL was produced';
  return new QueryAgentException(
    ErrorCode.SQL_REJECTED,
    `The generated SQL was rejected after ${attempts.length} attempts: ${reasons}`,
    {
      rule: last?.issues[0]?.rule ?? 'no_sql',
      stage: last?.issues[0]?.stage ?? 'format',
      attempts: attempts.map((a) => ({ sql: a.sql, issues: a.issues })),
    },
  );
}
