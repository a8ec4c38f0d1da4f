import { linearRegression, mean, sampleStandardDeviation } from 'simple-statistics';

export interface BacklogForecast {
  open: number;
  /** Items resolved minus items created per week: mean and its ≈95% interval. */
  netPerWeek: { value: number; low: number; high: number };
  /** Weeks until the open backlog clears at that pace; null when it is not shrinking. `high` null: maybe never. */
  weeks: { value: number; low: number; high: number | null } | null;
  /** Change of weekly throughput per week (least-squares slope of items resolved). */
  throughputTrend: number;
  history: number;
}

export const FORECAST_MIN_WEEKS = 8;
export const FORECAST_WINDOW_WEEKS = 12;

/**
 * "At the current pace": the mean weekly net burn (resolved − created) over the last weeks, with its standard
 * error, turned into weeks to clear the open backlog. Nothing is forecast from fewer than eight weeks.
 */
export function forecastBacklog(open: number, resolved: number[], created: number[]): BacklogForecast | null {
  const n = Math.min(resolved.length, created.length, FORECAST_WINDOW_WEEKS);
  if (n < FORECAST_MIN_WEEKS || open <= 0) return null;
  const r = resolved.slice(-n);
  const net = r.map((v, i) => v - created.slice(-n)[i]);
  const value = mean(net);
  const se = sampleStandardDeviation(net) / Math.sqrt(n);
  const netPerWeek = { value, low: value - 2 * se, high: value + 2 * se };
  const trend = linearRegression(r.map((v, i) => [i, v])).m;
  return {
    open,
    netPerWeek,
    weeks:
      value > 0
        ? {
            value: open / value,
            low: open / netPerWeek.high,
            high: netPerWeek.low > 0 ? open / netPerWeek.low : null,
          }
        : null,
    throughputTrend: trend,
    history: n,
  };
}

const round = (v: number) => (Math.abs(v) >= 10 ? Math.round(v) : Math.round(v * 10) / 10);

/** "At the current pace the open backlog of project PAY (42 items) clears in 6 weeks (4–11)." */
export function describeForecast(dimension: string, value: string, f: BacklogForecast): string {
  const subject = `the open backlog of ${dimension} ${value} (${f.open} items)`;
  if (!f.weeks) {
    const opened = round(-f.netPerWeek.value);
    return `At the current pace ${subject} is not shrinking: ${opened} more items a week are opened than resolved.`;
  }
  const range =
    f.weeks.high === null
      ? `at least ${round(f.weeks.low)}; at the slowest pace seen it may not clear`
      : `${round(f.weeks.low)}–${round(f.weeks.high)}`;
  return `At the current pace ${subject} clears in ${round(f.weeks.value)} weeks (${range}).`;
}
