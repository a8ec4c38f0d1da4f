import { Injectable } from '@nestjs/common';
import { SemanticModelService, type ModelCondition, type PlanFilter, type QueryPlan } from '@app/ai';
import { InsightDetectionService } from '../insight-detection.service';
import { MetricSeriesService, periodFloor } from '../series/metric-series.service';
import {
  describeForecast,
  forecastBacklog,
  FORECAST_WINDOW_WEEKS,
  type BacklogForecast,
} from './backlog-forecast';

const ENTITY = 'work_items';
const WEEK_MS = 7 * 86_400_000;

export interface DimensionForecast extends BacklogForecast {
  dimension: { name: string; value: string };
  summary: string;
}

/**
 * Backlog clearance per value of the work items' location dimension (project), from three counts the semantic
 * model defines: open items now (the `open` segment), items created and items resolved (the throughput rules)
 * per week. Run through the same guarded path as every series.
 */
@Injectable()
export class BacklogForecastService {
  constructor(
    private readonly models: SemanticModelService,
    private readonly series: MetricSeriesService,
    private readonly detection: InsightDetectionService,
  ) {}

  async forecasts(tenantId: string): Promise<DimensionForecast[]> {
    const model = this.models.model;
    const entity = model.entities[ENTITY];
    const open = entity?.segments.open;
    const dimension = entity?.locationDimension;
    const throughputRules = model.rules
      .filter((r) => r.measures.includes('throughput'))
      .flatMap((r) => r.where);
    if (!entity || !open || !dimension || !model.measures.throughput) return [];

    const end = periodFloor(this.detection.now(), 'week');
    const window = { start: new Date(end.getTime() - FORECAST_WINDOW_WEEKS * WEEK_MS), end };
    const [openRows, createdRows, resolvedRows] = [
      await this.series.run(tenantId, this.countPlan(dimension, open.where, null, null)),
      await this.series.run(tenantId, this.countPlan(dimension, [], 'created_at', window)),
      await this.series.run(tenantId, this.countPlan(dimension, throughputRules, 'resolved_at', window)),
    ];
    const weekly = (rows: unknown[][]) => {
      const byValue = new Map<string, number[]>();
      for (const [week, value, count] of rows) {
        const i = Math.round((Date.parse(String(week)) - window.start.getTime()) / WEEK_MS);
        const key = typeof value === 'string' ? value : '';
        if (!byValue.has(key)) byValue.set(key, new Array<number>(FORECAST_WINDOW_WEEKS).fill(0));
        if (i >= 0 && i < FORECAST_WINDOW_WEEKS) byValue.get(key)![i] = Number(count);
      }
      return byValue;
    };
    const created = weekly(createdRows);
    const resolved = weekly(resolvedRows);
    const out: DimensionForecast[] = [];
    for (const [value, count] of openRows) {
      if (typeof value !== 'string') continue;
      const r = resolved.get(value);
      // A project with no resolution in the window has no pace to forecast from.
      if (!r || r.every((v) => v === 0)) continue;
      const c = created.get(value) ?? new Array<number>(r.length).fill(0);
      // History starts at the project's first activity in the window: empty weeks before it are not a pace.
      const first = r.findIndex((v, i) => v > 0 || c[i] > 0);
      const f = forecastBacklog(Number(count), r.slice(first), c.slice(first));
      if (!f) continue;
      out.push({
        ...f,
        dimension: { name: dimension, value },
        summary: describeForecast(dimension, value, f),
      });
    }
    return out.sort((a, b) => a.dimension.value.localeCompare(b.dimension.value));
  }

  /** count(*) of work items per dimension value (and per week when a time column is given). */
  private countPlan(
    dimension: string,
    where: ModelCondition[],
    timeColumn: string | null,
    window: { start: Date; end: Date } | null,
  ): QueryPlan {
    const model = this.models.model;
    const dim = model.entities[ENTITY].dimensions[dimension];
    const countKey = Object.keys(model.measures).find(
      (k) =>
        model.measures[k].entity === ENTITY && model.measures[k].type === 'count' && !model.measures[k].via,
    )!;
    const filters: PlanFilter[] = where.map((c) => ({
      entity: ENTITY,
      column: c.column,
      op: c.op,
      values: c.values ?? [],
      parameter: false,
      caseInsensitive: false,
      source: 'forecast',
    }));
    return {
      question: `backlog forecast counts per ${dimension}`,
      modelVersion: this.models.version,
      entity: ENTITY,
      joins: [],
      measure: {
        key: countKey,
        entity: ENTITY,
        type: 'count',
        aggregation: 'count',
        percentile: null,
        alias: 'items',
        label: 'items',
      },
      dimensions: [
        { entity: ENTITY, key: dimension, column: dim.column, array: dim.array, alias: 'dimension_value' },
      ],
      filters,
      time: timeColumn ? { entity: ENTITY, column: timeColumn, label: timeColumn } : null,
      window: window
        ? { start: window.start.toISOString(), end: window.end.toISOString(), label: 'forecast' }
        : null,
      grain: timeColumn ? 'week' : null,
      order: null,
      limit: null,
      confidence: 1,
      answerable: true,
      explanation: 'backlog forecast counts',
      unrecognized: [],
      issues: [],
      suggestions: [],
    };
  }
}
