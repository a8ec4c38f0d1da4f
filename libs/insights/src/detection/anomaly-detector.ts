import type {
  Detection,
  DetectionOptions,
  Grain,
  MetricKind,
  MetricSeries,
  SeriesPoint,
  Severity,
} from '../insights.types';
import {
  binomialZ,
  predictiveZ,
  rateBaseline,
  robustBaseline,
  tCritical,
  type Baseline,
} from './series-statistics';

const DAY_MS = 86_400_000;
const PERIOD_MS: Record<Grain, number> = { day: DAY_MS, week: 7 * DAY_MS };
/** Expected range shown to users: the baseline ± this many deviations (≈ 95% for normal data). */
const RANGE_DEVIATIONS = 2;

export function periodEnd(start: string, grain: Grain): string {
  return new Date(Date.parse(start) + PERIOD_MS[grain]).toISOString();
}

interface Valued extends SeriesPoint {
  value: number;
}

const isValued = (p: SeriesPoint): p is Valued => p.value !== null && Number.isFinite(p.value);
/** Points a baseline may learn from: valued, and not a holiday (an expected low is not the usual level). */
const usual = (points: SeriesPoint[]): Valued[] =>
  points.filter((p): p is Valued => isValued(p) && !p.holiday);

/**
 * Counts are compared on Anscombe's scale 2·√(x + 3/8), where Poisson noise has unit variance at any level;
 * durations and sizes on their logarithm (they are right-skewed). Rates are judged by their count model instead
 * (binomialZ), and only shown on this scale.
 */
const toScale = (kind: MetricKind, v: number): number => {
  switch (kind) {
    case 'count':
      return 2 * Math.sqrt(Math.max(v, 0) + 0.375);
    case 'duration':
    case 'size':
      return Math.log(Math.max(v, 1e-3));
    case 'level':
      // +1: a level may be zero (nothing in progress), and a drop to zero must stay finite and judgeable.
      return Math.log(Math.max(v, 0) + 1);
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
    case 'level':
      return clean(Math.max(0, Math.exp(y) - 1));
    case 'rate':
      return y;
  }
};

/**
 * The smallest believable scale: counting noise for counts (1 on Anscombe's scale), 10% for durations and sizes
 * (0.1 on the log scale). Without it a perfectly regular history would make any wobble look infinitely unusual.
 */
const NOISE_FLOOR: Record<MetricKind, number> = { count: 1, duration: 0.1, size: 0.1, level: 0.1, rate: 0 };

/**
 * Counts and levels may alert on a drop to nothing (usual volume counts); a rate or a median needs events of its
 * own.
 */
function enoughVolume(kind: MetricKind, windowVolume: number, usualVolume: number, min: number): boolean {
  return kind === 'count' || kind === 'level'
    ? Math.max(windowVolume, usualVolume) >= min
    : windowVolume >= min;
}

const medianOf = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? 0 : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * A model of a series' usual behaviour, learnt from its history: it scores a period as a signed deviation
 * that is ≈ N(0, 1) when nothing unusual happens, and reports the expected value and range on the metric's
 * own scale.
 */
interface Model {
  /** Signed deviation of one period (null: nothing to judge, e.g. no events behind a rate). */
  z(p: SeriesPoint): number | null;
  /** Effect size of one period in usual deviations, when it differs from `z` (rates: the move, not its tail). */
  effect?(p: SeriesPoint): number;
  /** Expected value and usual range for a window of `volume` events, on the metric's scale. */
  expected(volume: number): { value: number; low: number; high: number };
  /** The critical deviation for a normal-equivalent threshold (Student-t widened for estimated baselines). */
  critical(threshold: number): number;
  usualVolume: number;
  /** Periods the baseline level rests on: its error, shared by every period it judges, is 1/n of one period's. */
  n: number;
}

function valueModel(kind: MetricKind, history: Valued[]): Model | null {
  const b = robustBaseline(history.map((p) => p.value));
  if (!b) return null;
  const scale = Math.max(b.scale, NOISE_FLOOR[kind]);
  return {
    z: (p) => (isValued(p) ? predictiveZ(p.value, b, NOISE_FLOOR[kind]) : null),
    expected: () => range(kind, b.center, scale),
    critical: (t) => tCritical(t, b.n - 1),
    usualVolume: medianOf(history.map((p) => p.volume)),
    n: b.n,
  };
}

const eventsOf = (p: SeriesPoint) => ({
  k: p.numerator ?? Math.round((p.value ?? 0) * p.volume),
  n: p.volume,
});

function rateModel(history: SeriesPoint[]): Model | null {
  const b = rateBaseline(history.filter((p) => !p.holiday).map(eventsOf));
  if (!b) return null;
  return {
    z: (p) => {
      if (p.volume <= 0) return null;
      const { k, n } = eventsOf(p);
      return binomialZ(k, n, b.p) / Math.sqrt(b.phi * (1 + 1 / b.n));
    },
    effect: (p) => {
      const { k, n } = eventsOf(p);
      const q = Math.min(0.99, Math.max(0.01, b.p));
      return (k / Math.max(n, 1) - b.p) / Math.sqrt((b.phi * (1 + 1 / b.n) * q * (1 - q)) / Math.max(n, 1));
    },
    expected: (volume) => {
      const sd = Math.sqrt((b.phi * b.p * (1 - b.p)) / Math.max(volume, 1));
      return {
        value: b.p,
        low: Math.max(0, b.p - RANGE_DEVIATIONS * sd),
        high: Math.min(1, b.p + RANGE_DEVIATIONS * sd),
      };
    },
    // The pooled rate rests on hundreds of events: its own error is small next to one week's.
    critical: (t) => t,
    usualVolume: medianOf(history.filter((p) => p.volume > 0).map((p) => p.volume)),
    n: b.n,
  };
}

function modelOf(kind: MetricKind, history: SeriesPoint[]): Model | null {
  return kind === 'rate' ? rateModel(history) : valueModel(kind, usual(history));
}

/** Expected value and range, computed on the comparison scale and reported on the metric's own. */
function range(kind: MetricKind, value: number, scale: number): { value: number; low: number; high: number } {
  const low = Math.max(0, fromScale(kind, value - RANGE_DEVIATIONS * scale));
  const high = fromScale(kind, value + RANGE_DEVIATIONS * scale);
  return { value: fromScale(kind, value), low, high };
}

/**
 * Whether a finding is reported (its evidence past the threshold) and how severe it is: `high` is an effect
 * size — how many usual deviations the value moved — past the high threshold, on enough events. For most
 * metrics the two are the same number; for a rate the evidence is the exact binomial tail, which on a dozen
 * deployments is more cautious than the size of the move it tests.
 */
function severityOf(
  evidence: number,
  effect: number,
  volume: number,
  model: Model,
  threshold: number,
  opts: DetectionOptions,
): Severity | null {
  if (Math.abs(evidence) < model.critical(threshold)) return null;
  const solid = volume >= 2 * opts.minVolume;
  if (!solid) return 'low';
  return Math.abs(effect) >= model.critical(opts.highThreshold) ? 'high' : 'medium';
}

/** The observed value of a window on the metric's scale: pooled for rates, the median period otherwise. */
function observedOf(kind: MetricKind, window: SeriesPoint[]): number {
  if (kind === 'rate') {
    const e = window.map(eventsOf);
    return (
      e.reduce((s, x) => s + x.k, 0) /
      Math.max(
        1,
        e.reduce((s, x) => s + x.n, 0),
      )
    );
  }
  return fromScale(kind, medianOf(window.filter(isValued).map((p) => p.value)));
}

function detection(
  series: MetricSeries,
  kind: Detection['kind'],
  window: SeriesPoint[],
  model: Model,
  deviations: number,
  severity: Severity,
): Detection {
  const volume = window.reduce((s, p) => s + p.volume, 0);
  const numerators = window.map((p) => p.numerator).filter((n): n is number => n !== undefined);
  const observed = observedOf(series.kind, window);
  const expected = model.expected(series.kind === 'rate' ? volume : 0);
  return {
    kind,
    windowStart: window[0].start,
    windowEnd: periodEnd(window[window.length - 1].start, series.grain),
    direction: deviations >= 0 ? 'up' : 'down',
    observed,
    expected,
    deviations,
    volume,
    ...(numerators.length === window.length ? { numerator: numerators.reduce((s, n) => s + n, 0) } : {}),
    severity,
  };
}

/**
 * A sustained change still in force at the last period, by a two-sided tabular CUSUM on the deviations of the
 * last `maxShiftPeriods` periods from a baseline learnt before them: S = max(0, S + z − k) upwards (and its
 * mirror downwards), a shift when S reaches h. k = 1 suits shifts of 2 deviations and more; with h = 6 a run of
 * m periods must sum to 6 + m deviations, ≈ 5 standard errors for any m from 2 to 8, so quiet series rarely
 * cross it while a 3-deviation shift does within three or four periods. Persistence is required: each period
 * adds at most h/2 (a winsorised CUSUM), so one spike — however large — is never a shift on its own; the last
 * period must still sit k off the baseline, so a spike that has passed does not linger as a shift.
 */
function levelShift(series: MetricSeries, opts: DetectionOptions): Detection | null {
  const pts = series.points;
  const span = Math.min(opts.maxShiftPeriods, pts.length - opts.minHistory.week);
  if (span < 2) return null;
  const window = pts.slice(pts.length - span);
  const history = pts.slice(Math.max(0, pts.length - span - opts.baseline.week), pts.length - span);
  if (usual(history).length < opts.minHistory.week) return null;
  const model = modelOf(series.kind, history);
  if (!model) return null;
  const k = opts.shiftAllowance;
  // Every period of the run is judged against the same estimated level, so its error adds up along the run
  // instead of averaging out: deviations are rescaled so that a sum of `span` of them has the right variance.
  const shared = Math.sqrt((1 + span / model.n) / (1 + 1 / model.n));
  for (const sign of [1, -1]) {
    let s = 0;
    let runStart = -1;
    let lastZ = 0;
    for (let i = 0; i < window.length; i++) {
      const raw = model.z(window[i]);
      const z = raw === null ? null : raw / shared;
      // A holiday says nothing about the level (its low is expected); a period without events neither.
      if (z === null || window[i].holiday) continue;
      const next = Math.max(0, s + Math.min(sign * z, k + opts.shiftDecision / 2) - k);
      if (s === 0 && next > 0) runStart = i;
      s = next;
      lastZ = sign * z;
      if (s === 0) runStart = -1;
    }
    if (runStart < 0 || s < opts.shiftDecision || lastZ < k) continue;
    const run = window.slice(runStart);
    const judged = run.filter((p) => !p.holiday && model.z(p) !== null);
    // The CUSUM decided; the effect size is how far the level moved, in usual deviations.
    const effect =
      judged.reduce((sum, p) => sum + (model.effect ? model.effect(p) : model.z(p)!), 0) / judged.length;
    const volume = medianOf(run.map((p) => p.volume));
    if (!enoughVolume(series.kind, volume, model.usualVolume, opts.minVolume)) continue;
    const severity = severityOf(effect, effect, Math.max(volume, model.usualVolume), model, 0, opts) ?? 'low';
    return detection(series, 'level_shift', run, model, effect, severity);
  }
  return null;
}

/** The last period against the model of the history before it (weekly: the baseline weeks). */
function weeklySpike(series: MetricSeries, opts: DetectionOptions): Detection | null {
  const pts = series.points;
  const t = pts.length - 1;
  const last = pts[t];
  const history = pts.slice(Math.max(0, t - opts.baseline.week), t);
  if (usual(history).length < opts.minHistory.week) return null;
  const model = modelOf(series.kind, history);
  const z = model?.z(last);
  if (!model || z === null || z === undefined) return null;
  return spike(series, last, model, z, opts.threshold, opts);
}

function spike(
  series: MetricSeries,
  last: SeriesPoint,
  model: Model,
  z: number,
  threshold: number,
  opts: DetectionOptions,
): Detection | null {
  // A holiday's low is expected: never a "dropped" finding.
  if (last.holiday && z < 0) return null;
  if (!enoughVolume(series.kind, last.volume, model.usualVolume, opts.minVolume)) return null;
  const effect = model.effect?.(last) ?? z;
  const severity = severityOf(z, effect, Math.max(last.volume, model.usualVolume), model, threshold, opts);
  // Reported deviations are the effect size, the figure severity is judged on.
  return severity ? detection(series, 'spike', [last], model, effect, severity) : null;
}

/**
 * The last day against its own weekday (weekday seasonality: quiet weekends and busy Mondays are usual): the
 * weekday's level is the outlier-free mean of that weekday over the baseline, the scale comes from every
 * baseline day's residual to its weekday's level, and the test counts both estimates' error.
 */
function dailySpike(series: MetricSeries, opts: DetectionOptions): Detection | null {
  const pts = series.points;
  const t = pts.length - 1;
  const last = pts[t];
  if (!isValued(last)) return null;
  const from = Math.max(0, t - opts.baseline.day);
  const history = pts.slice(from, t);
  if (usual(history).length < opts.minHistory.day) return null;
  const weekday = (i: number) => (t - (from + i)) % 7;
  const levels = new Map<number, Baseline>();
  for (let w = 0; w < 7; w++) {
    const b = robustBaseline(usual(history.filter((_, i) => weekday(i) === w)).map((p) => p.value));
    if (b) levels.set(w, b);
  }
  const own = levels.get(0);
  if (!own) return null;
  const residuals = history.flatMap((p, i) => {
    const level = levels.get(weekday(i));
    return isValued(p) && !p.holiday && level ? [p.value - level.center] : [];
  });
  const spread = robustBaseline(residuals);
  if (!spread) return null;
  const b: Baseline = { center: own.center, scale: spread.scale, n: own.n };
  const floor = NOISE_FLOOR[series.kind];
  const scale = Math.max(b.scale, floor);
  const model: Model = {
    z: (p) => (isValued(p) ? predictiveZ(p.value, b, floor) : null),
    expected: () => range(series.kind, b.center, scale),
    critical: (th) => tCritical(th, residuals.length - 7),
    usualVolume: medianOf(usual(history.filter((_, i) => weekday(i) === 0)).map((p) => p.volume)),
    n: own.n,
  };
  return spike(series, last, model, model.z(last)!, opts.dailyThreshold, opts);
}

/**
 * What is unusual about the series' last period, if anything: a level shift still in force there (weekly
 * series), else a one-period spike. Series with too little history or too few events say nothing.
 */
export function detectAnomaly(series: MetricSeries, opts: DetectionOptions): Detection | null {
  if (series.points.length === 0) return null;
  const scaled: MetricSeries =
    series.kind === 'rate'
      ? series
      : {
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
 * Whether a detection is the same episode as an earlier finding of the same series: same direction, windows
 * overlapping or touching. Then the earlier finding is extended instead of a new one being opened, so a level
 * shift seen again next week stays one finding, and so does a change first seen as a spike and then, once it
 * persists, as a shift whose change point the CUSUM dates a week or two earlier.
 */
export function continuesFinding(
  earlier: { windowStart: string; windowEnd: string; direction: string },
  next: Pick<Detection, 'windowStart' | 'windowEnd' | 'direction'>,
): boolean {
  return (
    earlier.direction === next.direction &&
    Date.parse(next.windowStart) <= Date.parse(earlier.windowEnd) &&
    Date.parse(next.windowEnd) >= Date.parse(earlier.windowStart)
  );
}

/** A finding's place: which series (metric, grain, dimension) and when, which way. */
export interface FindingPlace {
  metric: string;
  grain: Grain;
  dimensionName: string;
  dimensionValue: string;
  direction: string;
  windowStart: string;
  windowEnd: string;
  /** 'level_shift': the change is taken to be still in force after the window (until the baseline learns it). */
  kind?: string;
}

const overlaps = (a: FindingPlace, b: FindingPlace) =>
  a.direction === b.direction &&
  Date.parse(a.windowStart) < Date.parse(b.windowEnd) &&
  Date.parse(b.windowStart) < Date.parse(a.windowEnd);

/**
 * The finding that already tells what `candidate` would, if any, so it is not reported twice: for an overall
 * series, a finding of one of its dimension values (same metric and grain) in an overlapping window and the
 * same direction — the more specific one says where the change is; for a daily series, a weekly finding of the
 * same series covering the day (a shift seen weekly is not reported again day by day).
 */
export function explainedBy(candidate: FindingPlace, known: readonly FindingPlace[]): FindingPlace | null {
  return (
    known.find((k) => {
      if (k.metric !== candidate.metric || k.direction !== candidate.direction) return false;
      const sameSeries =
        k.dimensionName === candidate.dimensionName && k.dimensionValue === candidate.dimensionValue;
      if (candidate.grain === 'day' && k.grain === 'week') {
        // A weekly shift is still in force in the current week, whose days are judged before the week ends.
        const reach = Date.parse(k.windowEnd) + (k.kind === 'level_shift' ? PERIOD_MS.week : 0);
        return (
          sameSeries &&
          Date.parse(candidate.windowStart) < reach &&
          Date.parse(k.windowStart) < Date.parse(candidate.windowEnd)
        );
      }
      return (
        k.grain === candidate.grain &&
        candidate.dimensionName === '' &&
        k.dimensionName !== '' &&
        overlaps(k, candidate)
      );
    }) ?? null
  );
}
