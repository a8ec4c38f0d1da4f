import { median, medianAbsoluteDeviation, sampleStandardDeviation } from 'simple-statistics';
import type {
  Detection,
  DetectionOptions,
  Grain,
  MetricKind,
  MetricSeries,
  SeriesPoint,
  Severity,
} from '../insights.types';

/** MAD × 1.4826 estimates the standard deviation of normal data while ignoring outliers. */
const MAD_TO_SD = 1.4826;
const DAY_MS = 86_400_000;
const PERIOD_MS: Record<Grain, number> = { day: DAY_MS, week: 7 * DAY_MS };
/** Every period of a level shift must sit at least this many deviations off the baseline, on the same side. */
const SHIFT_MIN_POINT_DEVIATIONS = 1.5;
/** Expected range shown to users: the baseline ± this many robust deviations (≈ 95% for normal data). */
const RANGE_DEVIATIONS = 2;

export function periodEnd(start: string, grain: Grain): string {
  return new Date(Date.parse(start) + PERIOD_MS[grain]).toISOString();
}

interface Valued extends SeriesPoint {
  value: number;
}

const valued = (points: SeriesPoint[]): Valued[] =>
  points.filter((p): p is Valued => p.value !== null && Number.isFinite(p.value));

/**
 * Values are compared on a scale where their noise is symmetric and steady: counts on Anscombe's 2·√(x + 3/8),
 * where Poisson noise has unit variance at any level (a raw count's upper tail is longer than its lower one);
 * durations and sizes on their logarithm (they are right-skewed: a week of slow items is likelier than a week
 * of equally fast ones). Rates stay as they are, with a binomial floor.
 */
const toScale = (kind: MetricKind, v: number): number => {
  switch (kind) {
    case 'count':
      return 2 * Math.sqrt(Math.max(v, 0) + 0.375);
    case 'duration':
    case 'size':
      return Math.log(Math.max(v, 1e-3));
    case 'rate':
      return v;
  }
};
/** Back to the metric's own scale, without the round trip's floating-point dust (64.99999999999999). */
const clean = (v: number) => Math.round(v * 1e9) / 1e9;
const fromScale = (kind: MetricKind, y: number): number => {
  switch (kind) {
    case 'count':
      return clean(Math.max(0, (y / 2) ** 2 - 0.375));
    case 'duration':
    case 'size':
      return clean(Math.exp(y));
    case 'rate':
      return y;
  }
};

/**
 * The smallest believable scale for a metric: counting noise for counts (1 on Anscombe's scale), binomial
 * noise for rates at this window's volume, 10% for durations and sizes (0.1 on the log scale). Without it a
 * perfectly regular history (MAD 0) would make any wobble look infinitely unusual.
 */
function noiseFloor(kind: MetricKind, expected: number, volume: number): number {
  switch (kind) {
    case 'count':
      return 1;
    case 'rate': {
      const p = Math.min(0.98, Math.max(0.02, expected));
      return Math.sqrt((p * (1 - p)) / Math.max(volume, 1));
    }
    case 'duration':
    case 'size':
      return 0.1;
  }
}

/** Points further than this many MAD-scales from the median are left out of the scale (outliers, past spikes). */
const TRIM_DEVIATIONS = 3;

/**
 * Standard deviation of the history without its outliers: the MAD finds them, the trimmed standard deviation
 * measures the rest. The MAD alone is robust but noisy on 26 points (37% efficiency): its underestimates made
 * 2.5% of quiet weeks look unusual at 3 deviations in bench:insights, against 0.3% expected.
 */
function robustScale(values: number[]): number {
  if (values.length < 3) return 0;
  const center = median(values);
  const mad = MAD_TO_SD * medianAbsoluteDeviation(values);
  const kept = values.filter((v) => Math.abs(v - center) <= TRIM_DEVIATIONS * mad);
  // Trimming normal data at ±3σ shrinks its standard deviation to 0.9866σ; undo that bias.
  return kept.length > 2 ? sampleStandardDeviation(kept) / 0.9866 : mad;
}

/** Counts may alert on a drop to nothing (usual volume counts); a rate or a median needs events of its own. */
function enoughVolume(kind: MetricKind, windowVolume: number, usualVolume: number, min: number): boolean {
  return kind === 'count' ? Math.max(windowVolume, usualVolume) >= min : windowVolume >= min;
}

/**
 * The threshold a deviation must reach when the baseline's level and scale are themselves estimated from `n`
 * points: the Student-t quantile matching the normal one (Cornish–Fisher expansion), widened by the baseline
 * median's own error, which every one of the `m` periods tested together shares. Without it a 3-deviation rule
 * on 26 weeks fired on 1.1% of quiet weeks instead of 0.27%.
 */
export function criticalValue(threshold: number, n: number, m = 1): number {
  const df = Math.max(n - 1, 1);
  const z = threshold;
  const t = z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df * df);
  return t * Math.sqrt(1 + (m * Math.PI) / (2 * Math.max(n, 1)));
}

function severityOf(
  deviations: number,
  volume: number,
  threshold: number,
  opts: DetectionOptions,
  n: number,
  m = 1,
): Severity | null {
  const size = Math.abs(deviations);
  const critical = criticalValue(threshold, n, m);
  if (size < critical) return null;
  const solid = volume >= 2 * opts.minVolume;
  // High is an effect size, widened by the same small-sample factor as the decision threshold.
  if (size >= opts.highThreshold * (critical / threshold) && solid) return 'high';
  return solid ? 'medium' : 'low';
}

/** Expected value and range, computed on the comparison scale and reported on the metric's own. */
function range(kind: MetricKind, value: number, scale: number): { value: number; low: number; high: number } {
  const low = Math.max(0, fromScale(kind, value - RANGE_DEVIATIONS * scale));
  const high = fromScale(kind, value + RANGE_DEVIATIONS * scale);
  return { value: fromScale(kind, value), low, high: kind === 'rate' ? Math.min(1, high) : high };
}

function detection(
  series: MetricSeries,
  kind: Detection['kind'],
  window: Valued[],
  observed: number,
  expected: number,
  scale: number,
  deviations: number,
  severity: Severity,
): Detection {
  const volume = window.reduce((s, p) => s + p.volume, 0);
  const numerators = window.map((p) => p.numerator).filter((n): n is number => n !== undefined);
  return {
    kind,
    windowStart: window[0].start,
    windowEnd: periodEnd(window[window.length - 1].start, series.grain),
    direction: observed >= expected ? 'up' : 'down',
    observed: fromScale(series.kind, observed),
    expected: range(series.kind, expected, scale),
    deviations,
    volume,
    ...(numerators.length === window.length ? { numerator: numerators.reduce((s, n) => s + n, 0) } : {}),
    severity,
  };
}

/**
 * A sustained change ending at the last period: the last m periods (longest first) all on one side of the
 * baseline by ≥ 1.5 deviations, with their mean ≥ threshold / √m deviations away (m periods of evidence).
 */
function levelShift(series: MetricSeries, opts: DetectionOptions): Detection | null {
  const pts = series.points;
  const t = pts.length - 1;
  for (let m = Math.min(opts.maxShiftPeriods, t); m >= 2; m--) {
    const window = valued(pts.slice(t - m + 1));
    if (window.length < m) continue;
    const history = valued(pts.slice(Math.max(0, t - m + 1 - opts.baseline.week), t - m + 1));
    if (history.length < opts.minHistory.week) continue;
    const values = history.map((p) => p.value);
    const expected = median(values);
    const usualVolume = median(history.map((p) => p.volume));
    const windowVolume = median(window.map((p) => p.volume));
    if (!enoughVolume(series.kind, windowVolume, usualVolume, opts.minVolume)) continue;
    const madScale = robustScale(values);
    const z = window.map(
      (p) => (p.value - expected) / Math.max(madScale, noiseFloor(series.kind, expected, p.volume)),
    );
    const sameSide =
      z.every((v) => v >= SHIFT_MIN_POINT_DEVIATIONS) || z.every((v) => v <= -SHIFT_MIN_POINT_DEVIATIONS);
    if (!sameSide) continue;
    const evidence = (z.reduce((a, b) => a + b, 0) / m) * Math.sqrt(m);
    const severity = severityOf(
      evidence,
      Math.max(windowVolume, usualVolume),
      opts.threshold,
      opts,
      history.length,
      m,
    );
    if (!severity) continue;
    const observed = median(window.map((p) => p.value));
    const scale = Math.max(madScale, noiseFloor(series.kind, expected, windowVolume));
    return detection(series, 'level_shift', window, observed, expected, scale, evidence, severity);
  }
  return null;
}

/** The last week against the median and MAD of the weeks before it. */
function weeklySpike(series: MetricSeries, opts: DetectionOptions): Detection | null {
  const pts = series.points;
  const t = pts.length - 1;
  const last = pts[t];
  if (!last || last.value === null) return null;
  const history = valued(pts.slice(Math.max(0, t - opts.baseline.week), t));
  if (history.length < opts.minHistory.week) return null;
  const values = history.map((p) => p.value);
  const expected = median(values);
  const usualVolume = median(history.map((p) => p.volume));
  if (!enoughVolume(series.kind, last.volume, usualVolume, opts.minVolume)) return null;
  const scale = Math.max(robustScale(values), noiseFloor(series.kind, expected, last.volume));
  const z = (last.value - expected) / scale;
  const severity = severityOf(z, Math.max(last.volume, usualVolume), opts.threshold, opts, history.length);
  if (!severity) return null;
  return detection(series, 'spike', [last as Valued], last.value, expected, scale, z, severity);
}

/**
 * The last day against the same weekday's median over the baseline (weekday seasonality: quiet weekends are
 * usual), with the scale from every baseline day's residual to its own weekday's median.
 */
function dailySpike(series: MetricSeries, opts: DetectionOptions): Detection | null {
  const pts = series.points;
  const t = pts.length - 1;
  const last = pts[t];
  if (!last || last.value === null) return null;
  const from = Math.max(0, t - opts.baseline.day);
  const history = pts.slice(from, t);
  if (valued(history).length < opts.minHistory.day) return null;
  const weekdayMedian = new Map<number, number>();
  for (let w = 0; w < 7; w++) {
    const same = valued(history.filter((_, i) => (t - (from + i)) % 7 === w)).map((p) => p.value);
    if (same.length > 0) weekdayMedian.set(w, median(same));
  }
  const expected = weekdayMedian.get(0);
  if (expected === undefined) return null;
  const residuals = history
    .map((p, i) => (p.value === null ? null : p.value - (weekdayMedian.get((t - (from + i)) % 7) ?? p.value)))
    .filter((r): r is number => r !== null);
  const sameDay = valued(history.filter((_, i) => (t - (from + i)) % 7 === 0));
  const usualVolume = median(sameDay.map((p) => p.volume));
  if (!enoughVolume(series.kind, last.volume, usualVolume, opts.minVolume)) return null;
  const scale = Math.max(robustScale(residuals), noiseFloor(series.kind, expected, last.volume));
  const z = (last.value - expected) / scale;
  const severity = severityOf(
    z,
    Math.max(last.volume, usualVolume),
    opts.dailyThreshold,
    opts,
    residuals.length,
  );
  if (!severity) return null;
  return detection(series, 'spike', [last as Valued], last.value, expected, scale, z, severity);
}

/**
 * What is unusual about the series' last period, if anything: a level shift ending there (weekly series), else
 * a one-period spike. Series with too little history or too few events say nothing.
 */
export function detectAnomaly(series: MetricSeries, opts: DetectionOptions): Detection | null {
  if (series.points.length === 0) return null;
  const scaled: MetricSeries = {
    ...series,
    points: series.points.map((p) => ({
      ...p,
      value: p.value === null ? null : toScale(series.kind, p.value),
    })),
  };
  if (series.grain === 'day') return dailySpike(scaled, opts);
  return levelShift(scaled, opts) ?? weeklySpike(scaled, opts);
}

/**
 * Whether a detection continues an earlier finding of the same series (same direction, windows touching or
 * overlapping): then the earlier finding is extended instead of a new one being opened, so a level shift seen
 * again next week stays one finding.
 */
export function continuesFinding(
  earlier: { windowStart: string; windowEnd: string; direction: string },
  next: Pick<Detection, 'windowStart' | 'direction'>,
): boolean {
  return (
    earlier.direction === next.direction &&
    Date.parse(next.windowStart) <= Date.parse(earlier.windowEnd) &&
    Date.parse(next.windowStart) >= Date.parse(earlier.windowStart)
  );
}
