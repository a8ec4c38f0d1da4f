/**
 * The accuracy half of bench:insights: seeded tenant histories with injected anomalies of known kind, size, time
 * and series, run through the detector week by week (day by day for daily series) as the scheduler would, with
 * findings merged into episodes exactly as the service merges them.
 */
import {
  continuesFinding,
  DEFAULT_DETECTION_OPTIONS,
  detectAnomaly,
  type Detection,
  type DetectionOptions,
  type Grain,
  type MetricKind,
  type MetricSeries,
  type SeriesPoint,
} from '@app/insights';
import { binomial, periodStart, poisson, seededRandom } from '../libs/insights/src/testing/series-fixtures';

type AnomalyKind = 'spike' | 'level_shift' | 'drift';

interface Truth {
  series: number;
  kind: AnomalyKind;
  /** Period index where the anomaly starts. */
  start: number;
  /** Size in the series' own noise deviations. */
  effect: number;
}

interface SeriesSpec {
  kind: MetricKind;
  grain: Grain;
  level: number;
  /** Deploys per period, for rates. */
  volume: number;
}

interface Episode {
  series: number;
  windowStart: string;
  windowEnd: string;
  direction: string;
  severity: string;
  firstSeenAt: number;
}

export interface AccuracyResult {
  anomalies: number;
  detected: number;
  recall: number;
  precision: number;
  falseFindings: number;
  findings: number;
  falsePerQuietTenantMonth: number;
  quietTenants: number;
  delaysDays: number[];
  byKind: Record<AnomalyKind, { injected: number; detected: number }>;
  /** False findings by series kind, grain and severity. */
  falseByKind?: Record<string, number>;
}

const WEEKS = 52;
const EVAL_WEEKS = 26;
const DAY_MS = 86_400_000;

/** Per-period noise (standard deviation) of a series at its level, used to size injected effects. */
function noiseSd(spec: SeriesSpec, dayOfWeek = 0): number {
  switch (spec.kind) {
    case 'count': {
      const mean = spec.grain === 'day' ? dailyMean(spec, dayOfWeek) : spec.level;
      return Math.sqrt(mean + (0.08 * mean) ** 2);
    }
    case 'rate':
      return Math.sqrt((spec.level * (1 - spec.level)) / spec.volume);
    case 'duration':
    case 'size':
      return 0.15 * spec.level;
  }
}

const dailyMean = (spec: SeriesSpec, dow: number) => (dow >= 5 ? 0.1 * spec.level : spec.level);

/** The anomaly's additive effect at period i (0 before it starts). */
function effectAt(t: Truth | undefined, i: number, sd: number, sign: number): number {
  if (!t || i < t.start) return 0;
  const full = sign * t.effect * sd;
  switch (t.kind) {
    case 'spike':
      return i === t.start ? full : 0;
    case 'level_shift':
      return full;
    case 'drift':
      return full * Math.min(1, (i - t.start + 1) / 6);
  }
}

function generate(spec: SeriesSpec, truth: Truth | undefined, random: () => number): SeriesPoint[] {
  const periods = spec.grain === 'week' ? WEEKS : WEEKS * 7;
  // Rates only rise (failures), counts and durations go either way.
  const sign = spec.kind === 'rate' || random() < 0.5 ? 1 : -1;
  const points: SeriesPoint[] = [];
  for (let i = 0; i < periods; i++) {
    const dow = i % 7;
    const start = periodStart(i, spec.grain);
    switch (spec.kind) {
      case 'count': {
        const base = spec.grain === 'day' ? dailyMean(spec, dow) : spec.level;
        const mean = Math.max(
          0,
          base * Math.exp(0.08 * gauss(random)) + effectAt(truth, i, noiseSd(spec, dow), sign),
        );
        const v = poisson(random, mean);
        points.push({ start, value: v, volume: v });
        break;
      }
      case 'rate': {
        const n = poisson(random, spec.volume);
        const p = Math.min(0.95, Math.max(0, spec.level + effectAt(truth, i, noiseSd(spec), sign)));
        const k = binomial(random, n, p);
        points.push({ start, value: n === 0 ? null : k / n, volume: n, numerator: k });
        break;
      }
      case 'duration':
      case 'size': {
        const v = spec.level * Math.exp(0.15 * gauss(random)) + effectAt(truth, i, noiseSd(spec), sign);
        points.push({ start, value: Math.max(0.1, v), volume: poisson(random, 20) });
        break;
      }
    }
  }
  return points;
}

function gauss(random: () => number): number {
  return Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random());
}

function tenantSeries(random: () => number): SeriesSpec[] {
  const between = (a: number, b: number) => a + (b - a) * random();
  return [
    ...[0, 1, 2].map(() => ({
      kind: 'count' as const,
      grain: 'week' as const,
      level: between(8, 40),
      volume: 0,
    })),
    ...[0, 1].map(() => ({
      kind: 'rate' as const,
      grain: 'week' as const,
      level: between(0.05, 0.2),
      volume: between(12, 40),
    })),
    ...[0, 1].map(() => ({
      kind: 'duration' as const,
      grain: 'week' as const,
      level: between(20, 80),
      volume: 0,
    })),
    { kind: 'size', grain: 'week', level: between(80, 300), volume: 0 },
    { kind: 'count', grain: 'day', level: between(6, 20), volume: 0 },
  ];
}

/** Whether an episode's window overlaps the time the anomaly is visible (spike: its period; else until the end). */
function matches(e: Episode, t: Truth, grain: Grain): boolean {
  const period = grain === 'week' ? 7 * DAY_MS : DAY_MS;
  const start = Date.parse(periodStart(t.start, grain));
  const end = t.kind === 'spike' ? start + period : Number.POSITIVE_INFINITY;
  return Date.parse(e.windowStart) < end && Date.parse(e.windowEnd) > start;
}

export function runAccuracy(
  tenants: number,
  quietShare: number,
  seed: number,
  opts: DetectionOptions = DEFAULT_DETECTION_OPTIONS,
): AccuracyResult {
  const random = seededRandom(seed);
  const result: AccuracyResult = {
    anomalies: 0,
    detected: 0,
    recall: 0,
    precision: 0,
    falseFindings: 0,
    findings: 0,
    falsePerQuietTenantMonth: 0,
    quietTenants: 0,
    delaysDays: [],
    byKind: {
      spike: { injected: 0, detected: 0 },
      level_shift: { injected: 0, detected: 0 },
      drift: { injected: 0, detected: 0 },
    },
  };
  let quietFalse = 0;
  const falseByKind: Record<string, number> = {};
  for (let tenant = 0; tenant < tenants; tenant++) {
    const specs = tenantSeries(random);
    const quiet = random() < quietShare;
    if (quiet) result.quietTenants++;
    const truths: Truth[] = [];
    if (!quiet) {
      const count = 1 + Math.floor(random() * 2);
      for (let k = 0; k < count; k++) {
        const series = Math.floor(random() * specs.length);
        if (truths.some((t) => t.series === series)) continue;
        const daily = specs[series].grain === 'day';
        const kinds: AnomalyKind[] = daily ? ['spike'] : ['spike', 'level_shift', 'drift'];
        const kind = kinds[Math.floor(random() * kinds.length)];
        const startWeek = WEEKS - EVAL_WEEKS + 2 + Math.floor(random() * (EVAL_WEEKS - 6));
        // Daily spikes land on weekdays; effects are 3–8 of the series' own deviations.
        const start = daily ? startWeek * 7 + Math.floor(random() * 5) : startWeek;
        truths.push({ series, kind, start, effect: 3 + 5 * random() });
      }
    }
    specs.forEach((spec, s) => {
      const truth = truths.find((t) => t.series === s);
      const points = generate(spec, truth, random);
      const episodes: Episode[] = [];
      const first = spec.grain === 'week' ? WEEKS - EVAL_WEEKS : (WEEKS - EVAL_WEEKS) * 7;
      for (let e = first; e < points.length; e++) {
        const series: MetricSeries = {
          metric: `m${s}`,
          kind: spec.kind,
          grain: spec.grain,
          dimension: null,
          points: points.slice(0, e + 1),
        };
        const d = detectAnomaly(series, opts);
        if (!d || d.severity === 'low') continue;
        merge(episodes, s, d, Date.parse(points[e].start) + (spec.grain === 'week' ? 7 : 1) * DAY_MS);
      }
      for (const ep of episodes) {
        result.findings++;
        const hit = truth && matches(ep, truth, spec.grain);
        if (!hit) {
          result.falseFindings++;
          const key = `${spec.kind}/${spec.grain}/${ep.severity}`;
          falseByKind[key] = (falseByKind[key] ?? 0) + 1;
          if (quiet) quietFalse++;
        }
      }
      if (truth) {
        result.anomalies++;
        result.byKind[truth.kind].injected++;
        const found = episodes.filter((ep) => matches(ep, truth, spec.grain));
        if (found.length > 0) {
          result.detected++;
          result.byKind[truth.kind].detected++;
          const seen = Math.min(...found.map((f) => f.firstSeenAt));
          result.delaysDays.push((seen - Date.parse(periodStart(truth.start, spec.grain))) / DAY_MS);
        }
      }
    });
  }
  result.falseByKind = falseByKind;
  result.recall = result.anomalies ? result.detected / result.anomalies : 0;
  result.precision = result.findings ? (result.findings - result.falseFindings) / result.findings : 1;
  const months = (EVAL_WEEKS * 7) / 30.44;
  result.falsePerQuietTenantMonth = result.quietTenants ? quietFalse / (result.quietTenants * months) : 0;
  return result;
}

/** The service's rule: a detection continuing an episode (or re-detecting its window) extends it. */
function merge(episodes: Episode[], series: number, d: Detection, seenAt: number): void {
  const ep = episodes.find((x) => x.windowStart === d.windowStart || continuesFinding(x, d));
  if (ep) {
    if (Date.parse(d.windowEnd) > Date.parse(ep.windowEnd)) ep.windowEnd = d.windowEnd;
    if (d.severity === 'high') ep.severity = 'high';
    return;
  }
  episodes.push({
    series,
    windowStart: d.windowStart,
    windowEnd: d.windowEnd,
    direction: d.direction,
    severity: d.severity,
    firstSeenAt: seenAt,
  });
}
