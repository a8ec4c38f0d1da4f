import { Injectable } from '@nestjs/common';
import { InsightSnapshotsRepository, type SnapshotRow } from '../insight-snapshots.repository';
import type { Grain, MetricSeries, SeriesPoint } from '../insights.types';
import type { InsightMetric } from './insight-metric';
import { MetricSeriesService, periodFloor } from './metric-series.service';

const DAY_MS = 86_400_000;
/** Dimension values a run records readings for, most items first: far more than get a series of their own. */
const MAX_RECORDED_VALUES = 100;
/** Most dimension values given series of their own, busiest first (as for the other metrics). */
const MAX_DIMENSION_VALUES = 20;

const isoDay = (at: number | Date) => new Date(at).toISOString().slice(0, 10);

export interface SnapshotSeriesRequest {
  tenantId: string;
  metric: InsightMetric;
  grain: Grain;
  /** The run's reference time: today's reading is the last daily point. */
  now: Date;
  /** Periods the series spans, the last one included. */
  periods: number;
  /** Items a dimension value needs in progress on average to get a series of its own. */
  minVolume: number;
}

/**
 * Series of the metrics the data knows for now only (WIP and its age: work items keep their current status, not
 * its history). Every detection run records the metric now — through the same compiler, guard and reader-role
 * path as every series — overall and per dimension value, one reading per day; the series are built from those
 * readings. History therefore starts at the first run: a day without a reading is a gap, never a made-up value.
 */
@Injectable()
export class SnapshotSeriesService {
  constructor(
    private readonly series: MetricSeriesService,
    private readonly repository: InsightSnapshotsRepository,
  ) {}

  get metrics(): InsightMetric[] {
    return this.series.metrics.filter((m) => m.snapshot);
  }

  /** Records today's readings of every snapshot metric for the tenant (a re-run the same day overwrites them). */
  async record(tenantId: string, now: Date): Promise<number> {
    const day = isoDay(now);
    const rows: SnapshotRow[] = [];
    for (const metric of this.metrics) {
      for (const r of await this.series.current(tenantId, metric, now, MAX_RECORDED_VALUES)) {
        rows.push({
          tenantId,
          metric: metric.id,
          dimensionName: r.dimension?.name ?? '',
          dimensionValue: r.dimension?.value ?? '',
          day,
          value: r.value,
          volume: r.volume,
        });
      }
    }
    await this.repository.record(rows);
    return rows.length;
  }

  /**
   * The overall series and one per dimension value with, on average over the days read, at least `minVolume`
   * items in progress. Daily series end with today's reading; weekly ones with the last complete week, each week
   * the mean of its readings. A day when the tenant was read but a value had nothing in progress counts as
   * zero WIP (and no age); a day without a reading at all is a gap.
   */
  async build(req: SnapshotSeriesRequest): Promise<MetricSeries[]> {
    const periodMs = req.grain === 'week' ? 7 * DAY_MS : DAY_MS;
    const end =
      req.grain === 'week'
        ? periodFloor(req.now, 'week').getTime()
        : periodFloor(req.now, 'day').getTime() + DAY_MS;
    const start = end - req.periods * periodMs;
    const rows = await this.repository.readings(req.tenantId, req.metric.id, isoDay(start), isoDay(end));
    const byValue = new Map<string, Map<string, SnapshotRow>>();
    for (const r of rows) {
      const key = r.dimensionName ? `${r.dimensionName}\u0000${r.dimensionValue}` : '';
      if (!byValue.has(key)) byValue.set(key, new Map());
      byValue.get(key)!.set(r.day, r);
    }
    const readDays = byValue.get('') ?? new Map<string, SnapshotRow>();
    const days: string[] = [];
    for (let at = start; at < end; at += DAY_MS) days.push(isoDay(at));
    const zeroWhenUnlisted = req.metric.kind === 'level';
    const daily = (own: Map<string, SnapshotRow>) =>
      days.map((day): SeriesPoint => {
        const r = own.get(day);
        if (r) return { start: `${day}T00:00:00.000Z`, value: r.value, volume: r.volume };
        // Read that day but not listed: nothing in progress there.
        const read = readDays.has(day);
        return { start: `${day}T00:00:00.000Z`, value: read && zeroWhenUnlisted ? 0 : null, volume: 0 };
      });
    const toGrain = (points: SeriesPoint[]): SeriesPoint[] => {
      if (req.grain === 'day') return points;
      const weeks: SeriesPoint[] = [];
      for (let i = 0; i < points.length; i += 7) {
        const read = points.slice(i, i + 7).filter((p) => readDays.has(p.start.slice(0, 10)));
        const valued = read.filter((p) => p.value !== null);
        const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
        weeks.push({
          start: points[i].start,
          value: valued.length ? mean(valued.map((p) => p.value!)) : null,
          volume: read.length ? Math.round(mean(read.map((p) => p.volume))) : 0,
        });
      }
      return weeks;
    };
    const series = (dimension: MetricSeries['dimension'], own: Map<string, SnapshotRow>): MetricSeries => ({
      metric: req.metric.id,
      kind: req.metric.kind,
      grain: req.grain,
      dimension,
      points: toGrain(daily(own)),
    });
    const out = [series(null, readDays)];
    const readCount = readDays.size;
    if (readCount === 0) return out;
    const busy = [...byValue.entries()]
      .filter(([key]) => key !== '')
      .map(([key, own]) => ({
        key,
        own,
        mean: [...own.values()].reduce((s, r) => s + r.volume, 0) / readCount,
      }))
      .filter((v) => v.mean >= req.minVolume)
      .sort((a, b) => b.mean - a.mean || a.key.localeCompare(b.key))
      .slice(0, MAX_DIMENSION_VALUES);
    for (const { key, own } of busy) {
      const [name, value] = key.split('\u0000');
      out.push(series({ name, value }, own));
    }
    return out;
  }
}
