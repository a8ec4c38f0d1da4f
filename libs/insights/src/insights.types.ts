export const GRAINS = ['day', 'week'] as const;
export type Grain = (typeof GRAINS)[number];

export const SEVERITIES = ['low', 'medium', 'high'] as const;
export type Severity = (typeof SEVERITIES)[number];

export type Direction = 'up' | 'down';

/**
 * How a metric's values behave, which decides the noise floor of its scale. `level`: a stock read at a moment
 * (work in progress), not events counted over a period — it moves by proportion and far less than counting noise.
 */
export type MetricKind = 'count' | 'rate' | 'duration' | 'size' | 'level';

export interface InsightDimension {
  name: string;
  value: string;
}

/** One period of a series; `volume` is the number of events behind the value (deployments, items, PRs). */
export interface SeriesPoint {
  /** ISO-8601 UTC start of the period. */
  start: string;
  /** null: no events in the period for a metric that needs them (a rate or a median). */
  value: number | null;
  volume: number;
  /** For rates: the events counted in the numerator (failed deployments). */
  numerator?: number;
  /**
   * The period contains a day on which the tenant's activity is expected to be low (a holiday): it is left out
   * of baselines and never produces a "dropped" finding.
   */
  holiday?: boolean;
}

export interface MetricSeries {
  metric: string;
  kind: MetricKind;
  grain: Grain;
  dimension: InsightDimension | null;
  /** Contiguous periods, oldest first, ending with the last complete period. */
  points: SeriesPoint[];
}

export interface Detection {
  kind: 'spike' | 'level_shift';
  /** ISO-8601, inclusive start of the first unusual period. */
  windowStart: string;
  /** ISO-8601, exclusive end of the last unusual period. */
  windowEnd: string;
  direction: Direction;
  observed: number;
  expected: { value: number; low: number; high: number };
  /** Robust deviations: (observed − expected) / scale. */
  deviations: number;
  /** Events in the unusual window. */
  volume: number;
  numerator?: number;
  severity: Severity;
}

export interface DetectionOptions {
  /** |deviations| at or above which a finding is medium (low below 2 × minVolume). */
  threshold: number;
  /** |deviations| at or above which a finding is high (with volume ≥ 2 × minVolume). */
  highThreshold: number;
  /** Threshold for daily series, which are tested seven times as often. */
  dailyThreshold: number;
  /** Events a window (or its usual level) needs before it may produce a finding at all. */
  minVolume: number;
  /** Periods of history needed before anything is said about a series. */
  minHistory: Record<Grain, number>;
  /** Periods of history the baseline is computed from. */
  baseline: Record<Grain, number>;
  /** Recent periods the level-shift CUSUM runs over (the baseline is learnt before them). */
  maxShiftPeriods: number;
  /** CUSUM reference value k, in deviations: drift per period that is still taken as noise. */
  shiftAllowance: number;
  /** CUSUM decision interval h, in deviations: accumulated excess that makes a level shift. */
  shiftDecision: number;
}

export const DEFAULT_DETECTION_OPTIONS: DetectionOptions = {
  threshold: 3.5,
  highThreshold: 5,
  dailyThreshold: 4,
  minVolume: 5,
  minHistory: { day: 28, week: 8 },
  baseline: { day: 56, week: 26 },
  maxShiftPeriods: 8,
  shiftAllowance: 1,
  shiftDecision: 6,
};
