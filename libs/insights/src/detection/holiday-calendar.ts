import type { Grain, MetricSeries } from '../insights.types';

const DAY_MS = 86_400_000;
const PERIOD_MS: Record<Grain, number> = { day: DAY_MS, week: 7 * DAY_MS };

/**
 * Days on which a tenant's activity is expected to be low, from `INSIGHTS_HOLIDAYS` entries (ISO dates or
 * inclusive `from..to` ranges, validated by the config schema).
 */
export class HolidayCalendar {
  private readonly days: ReadonlySet<number>;

  constructor(entries: readonly string[]) {
    const days = new Set<number>();
    for (const entry of entries) {
      const [from, to = from] = entry.split('..');
      for (let at = Date.parse(from); at <= Date.parse(to); at += DAY_MS) days.add(at);
    }
    this.days = days;
  }

  get size(): number {
    return this.days.size;
  }

  /** Whether a period (a day, or a week starting on its Monday) contains a holiday. */
  covers(start: string, grain: Grain): boolean {
    const from = Date.parse(start);
    for (let at = from; at < from + PERIOD_MS[grain]; at += DAY_MS) if (this.days.has(at)) return true;
    return false;
  }

  /**
   * The series with its holiday periods marked. A week with one holiday counts as a holiday week: a fifth of
   * the working days missing is a drop of the size the detector looks for.
   */
  mark(series: MetricSeries): MetricSeries {
    if (this.days.size === 0) return series;
    return {
      ...series,
      points: series.points.map((p) => (this.covers(p.start, series.grain) ? { ...p, holiday: true } : p)),
    };
  }
}
