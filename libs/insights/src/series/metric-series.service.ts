import { Injectable, Logger } from '@nestjs/common';
import {
  SemanticModelService,
  SemanticSqlCompilerService,
  SqlExecutorService,
  SqlGuardService,
  type PlanFilter,
  type QueryPlan,
} from '@app/ai';
import type { Grain, InsightDimension, MetricSeries, SeriesPoint } from '../insights.types';
import { INSIGHT_METRICS, type InsightMetric } from './insight-metric';

const DAY_MS = 86_400_000;
const PERIOD_MS: Record<Grain, number> = { day: DAY_MS, week: 7 * DAY_MS };
/** Most dimension values given series of their own, busiest first. */
const MAX_DIMENSION_VALUES = 20;
/** Rows one series query may return: periods × dimension values, far above what the caps above produce. */
const SERIES_ROW_LIMIT = 50_000;

/** A dimension value as text (grouping columns are text; NULL groups become ''). */
const text = (v: unknown): string =>
  typeof v === 'string' ? v : v === null || v === undefined ? '' : JSON.stringify(v);

/** Start of the period containing `at` (UTC; weeks start on Monday, as in the semantic model). */
export function periodFloor(at: Date, grain: Grain): Date {
  const day = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  if (grain === 'day') return new Date(day);
  const mondayOffset = (new Date(day).getUTCDay() + 6) % 7;
  return new Date(day - mondayOffset * DAY_MS);
}

export interface SeriesWindow {
  /** Inclusive start of the first period. */
  start: Date;
  /** Exclusive end: the start of the current, incomplete period. */
  end: Date;
}

/** One reading of a snapshot metric (WIP, its age) now, overall (dimension null) or for one dimension value. */
export interface SnapshotReading {
  dimension: InsightDimension | null;
  /** null: nothing to summarise (an age with no item in progress). */
  value: number | null;
  /** Items behind the value (for WIP, the value itself). */
  volume: number;
}

export interface SeriesRequest {
  tenantId: string;
  metric: InsightMetric;
  grain: Grain;
  window: SeriesWindow;
  /** Events a dimension value needs per period on average to get a series of its own. */
  minVolume: number;
}

/**
 * Metric series built from the semantic model's measure definitions and run through the same path as answers:
 * the semantic SQL compiler writes the SQL, the SQL guard filters every table to the tenant, the executor runs it
 * read-only as the reader role under row-level security. Returns the overall series and one per busy value of
 * the entity's location dimension (service, project, repository).
 */
@Injectable()
export class MetricSeriesService {
  private readonly logger = new Logger(MetricSeriesService.name);
  /** Watched metrics whose measure the loaded semantic model defines. */
  readonly metrics: readonly InsightMetric[];

  constructor(
    private readonly models: SemanticModelService,
    private readonly compiler: SemanticSqlCompilerService,
    private readonly guard: SqlGuardService,
    private readonly executor: SqlExecutorService,
  ) {
    this.metrics = INSIGHT_METRICS.filter((m) => {
      const known = Boolean(models.model.measures[m.measure]);
      if (!known)
        this.logger.warn(`Semantic model has no measure "${m.measure}": metric ${m.id} not watched`);
      return known;
    });
  }

  metric(id: string): InsightMetric | undefined {
    return this.metrics.find((m) => m.id === id);
  }

  /** Name of the dimension per-value series are built on, or null. */
  dimensionOf(metric: InsightMetric): string | null {
    if (!metric.perDimension) return null;
    const entity = this.models.model.entities[this.models.model.measures[metric.measure].entity];
    return entity.locationDimension ?? null;
  }

  async series(req: SeriesRequest): Promise<MetricSeries[]> {
    const dimension = this.dimensionOf(req.metric);
    const overall = await this.rows(req, null);
    const out: MetricSeries[] = [this.toSeries(req, null, overall.get('') ?? new Map<number, SeriesPoint>())];
    if (!dimension) return out;
    const byValue = await this.rows(req, dimension);
    const periods = Math.round(
      (req.window.end.getTime() - req.window.start.getTime()) / PERIOD_MS[req.grain],
    );
    const perPeriodMin = req.grain === 'week' ? req.minVolume : req.minVolume / 7;
    const busy = [...byValue.entries()]
      .map(([value, points]) => ({ value, total: [...points.values()].reduce((s, p) => s + p.volume, 0) }))
      .filter((v) => v.value !== '' && v.total >= perPeriodMin * periods)
      .sort((a, b) => b.total - a.total || a.value.localeCompare(b.value))
      .slice(0, MAX_DIMENSION_VALUES);
    for (const { value } of busy) {
      out.push(this.toSeries(req, { name: dimension, value }, byValue.get(value)!));
    }
    return out;
  }

  /**
   * The SQL behind a finding, as the guard accepts it (no tenant predicate: the guard adds it): the metric per
   * period over the window, for the dimension value, so the finding can be re-asked and checked.
   */
  evidenceSql(
    metric: InsightMetric,
    grain: Grain,
    window: SeriesWindow,
    dimension: InsightDimension | null,
    asOf = window.end,
  ): string {
    // A snapshot metric's past values are not in the data: its evidence is the reading as of the run.
    const plan = metric.snapshot
      ? this.snapshotPlan(metric, asOf, dimension?.name ?? null, dimension?.value)
      : this.plan(metric, grain, window, dimension?.name ?? null, dimension?.value);
    return this.compiler.compile(plan, '').guardSql;
  }

  /**
   * A snapshot metric now (as of `asOf`), overall and for every value of its location dimension (at most
   * `maxValues`, most items first): the readings a detection run records. Same compiler, guard and reader-role
   * path as the series.
   */
  async current(
    tenantId: string,
    metric: InsightMetric,
    asOf: Date,
    maxValues: number,
  ): Promise<SnapshotReading[]> {
    const dimension = this.dimensionOf(metric);
    const measure = this.models.model.measures[metric.measure];
    const needsCount = measure.type !== 'count';
    const read = async (dim: string | null) => {
      const values = await this.run(tenantId, this.snapshotPlan(metric, asOf, dim));
      const counts = needsCount
        ? await this.run(tenantId, this.snapshotPlan(metric, asOf, dim, undefined, true))
        : values;
      const key = (row: unknown[]) => (dim ? text(row[0]) : '');
      const at = dim ? 1 : 0;
      const volumeOf = new Map(counts.map((row) => [key(row), Number(row[at] ?? 0)]));
      return values.map((row) => ({
        group: key(row),
        reading: row[at] === null || row[at] === undefined ? null : Number(row[at]),
        volume: volumeOf.get(key(row)) ?? 0,
      }));
    };
    const overall = (await read(null))[0];
    const out: SnapshotReading[] = [
      {
        dimension: null,
        value: overall?.reading ?? (measure.type === 'count' ? 0 : null),
        volume: overall?.volume ?? 0,
      },
    ];
    if (!dimension) return out;
    const byValue = (await read(dimension))
      .filter((r) => r.group !== '' && r.volume > 0)
      .sort((a, b) => b.volume - a.volume || a.group.localeCompare(b.group))
      .slice(0, maxValues);
    for (const r of byValue) {
      out.push({ dimension: { name: dimension, value: r.group }, value: r.reading, volume: r.volume });
    }
    return out;
  }

  /** Points by dimension value ('' for the overall series) and period start (ms). */
  private async rows(
    req: SeriesRequest,
    dimension: string | null,
  ): Promise<Map<string, Map<number, SeriesPoint>>> {
    const main = await this.run(req.tenantId, this.plan(req.metric, req.grain, req.window, dimension));
    const measure = this.models.model.measures[req.metric.measure];
    // Medians and averages do not say how many events they summarise: a count over the same rows does.
    const volumes =
      measure.type === 'duration' || measure.type === 'number'
        ? await this.run(
            req.tenantId,
            this.plan(req.metric, req.grain, req.window, dimension, undefined, true),
          )
        : null;
    const key = (row: unknown[]) => `${dimension ? text(row[1]) : ''}|${Date.parse(String(row[0]))}`;
    const volumeOf = new Map((volumes ?? []).map((row) => [key(row), Number(row[dimension ? 2 : 1])]));
    const out = new Map<string, Map<number, SeriesPoint>>();
    const first = dimension ? 2 : 1;
    for (const row of main) {
      const at = Date.parse(String(row[0]));
      const value = row[first] === null ? null : Number(row[first]);
      const point: SeriesPoint =
        measure.type === 'ratio'
          ? {
              start: new Date(at).toISOString(),
              value,
              numerator: Number(row[first + 1]),
              volume: Number(row[first + 2]),
            }
          : measure.type === 'count'
            ? { start: new Date(at).toISOString(), value, volume: value ?? 0 }
            : { start: new Date(at).toISOString(), value, volume: volumeOf.get(key(row)) ?? 0 };
      const dim = dimension ? text(row[1]) : '';
      if (!out.has(dim)) out.set(dim, new Map());
      out.get(dim)!.set(at, point);
    }
    return out;
  }

  /** Runs a plan through the compiler, the guard and the reader-role executor; rows in the plan's column order. */
  async run(tenantId: string, plan: QueryPlan): Promise<unknown[][]> {
    const compiled = this.compiler.compile(plan, tenantId);
    const guarded = this.guard.check(compiled.guardSql, {
      catalog: this.models.catalog,
      rowLimit: SERIES_ROW_LIMIT,
    });
    const result = await this.executor.execute(guarded, { tenantId, maxRows: SERIES_ROW_LIMIT });
    return result.rows;
  }

  /** Every period of the window, empty ones filled: zero for counts, no value for rates and medians. */
  private toSeries(
    req: SeriesRequest,
    dimension: InsightDimension | null,
    points: Map<number, SeriesPoint>,
  ): MetricSeries {
    const filled: SeriesPoint[] = [];
    for (let at = req.window.start.getTime(); at < req.window.end.getTime(); at += PERIOD_MS[req.grain]) {
      const start = new Date(at).toISOString();
      filled.push(
        points.get(at) ?? {
          start,
          value: req.metric.kind === 'count' ? 0 : null,
          volume: 0,
          ...(req.metric.kind === 'rate' ? { numerator: 0 } : {}),
        },
      );
    }
    return { metric: req.metric.id, kind: req.metric.kind, grain: req.grain, dimension, points: filled };
  }

  /** "<metric> now [by <dimension>]": no time column, window or grain; `now` in the measure is `asOf`. */
  private snapshotPlan(
    metric: InsightMetric,
    asOf: Date,
    dimension: string | null,
    dimensionValue?: string,
    countOnly = false,
  ): QueryPlan {
    const window = { start: asOf, end: asOf };
    const plan = this.plan(metric, 'day', window, dimension, dimensionValue, countOnly);
    return {
      ...plan,
      question: `insight ${metric.id} now`,
      time: null,
      window: null,
      grain: null,
      asOf: asOf.toISOString(),
      explanation: `${metric.label} now`,
    };
  }

  /** The plan the semantic planner would make for "<metric> per <grain> [by <dimension>]", with the model's rules. */
  private plan(
    metric: InsightMetric,
    grain: Grain,
    window: SeriesWindow,
    dimension: string | null,
    dimensionValue?: string,
    countOnly = false,
  ): QueryPlan {
    const model = this.models.model;
    const measure = model.measures[metric.measure];
    const entity = model.entities[measure.entity];
    const timeColumn = measure.timeColumn ?? entity.defaultTimeColumn;
    const countKey = Object.keys(model.measures).find(
      (k) =>
        model.measures[k].entity === measure.entity &&
        model.measures[k].type === 'count' &&
        !model.measures[k].via,
    );
    const filters: PlanFilter[] = model.rules
      .filter((r) => r.measures.includes(metric.measure))
      .flatMap((r) =>
        r.where.map((c) => ({
          entity: measure.entity,
          column: c.column,
          op: c.op,
          values: c.values ?? [],
          parameter: false,
          caseInsensitive: false,
          source: `rule:${r.id}`,
        })),
      );
    const dim = dimension ? entity.dimensions[dimension] : undefined;
    if (dim && dimensionValue !== undefined) {
      filters.push({
        entity: measure.entity,
        column: dim.column,
        op: 'eq',
        values: [dimensionValue],
        parameter: true,
        caseInsensitive: false,
        source: 'insight',
      });
    }
    const grouped = dim && dimensionValue === undefined;
    return {
      question: `insight ${metric.id} per ${grain}`,
      modelVersion: this.models.version,
      entity: measure.entity,
      joins: measure.via ? [measure.via] : [],
      measure: {
        key: countOnly && countKey ? countKey : metric.measure,
        entity: measure.entity,
        type: countOnly ? 'count' : measure.type,
        aggregation: countOnly ? 'count' : metric.aggregation,
        percentile: countOnly ? null : metric.percentile,
        alias: countOnly ? 'events' : 'value',
        label: metric.label,
      },
      dimensions: grouped
        ? [
            {
              entity: measure.entity,
              key: dimension!,
              column: dim.column,
              array: dim.array,
              alias: 'dimension_value',
            },
          ]
        : [],
      filters,
      time: { entity: measure.entity, column: timeColumn, label: timeColumn },
      window: { start: window.start.toISOString(), end: window.end.toISOString(), label: 'insight window' },
      grain,
      order: null,
      limit: null,
      confidence: 1,
      answerable: true,
      explanation: `${metric.label} per ${grain}`,
      unrecognized: [],
      issues: [],
      suggestions: [],
    };
  }
}
