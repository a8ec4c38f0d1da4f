/**
 * The accuracy half of bench:insights: seeded tenant histories with injected anomalies of known kind, size, time
 * and series, run through the detector week by week (day by day for daily series) as the scheduler would, with
 * findings merged into episodes exactly as the service merges them, and a tenant-wide series left unwritten when
 * one of its services' findings explains it. Grading: an episode is true when it has an injected effect's
 * direction and overlaps the time it is visible; a second episode of an effect already found (in the same series
 * or the tenant-wide one) is a duplicate, graded false; a tenant-wide finding of a service's effect that no
 * service finding reported is true (it is the effect, seen less precisely), though recall counts only the
 * service's own findings.
 */
import {
  continuesFinding,
  DEFAULT_DETECTION_OPTIONS,
  detectAnomaly,
  explainedBy,
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
  // The synthetic histories are event series; WIP-like levels (readings) are not generated.
  kind: Exclude<MetricKind, 'level'>;
  grain: Grain;
  level: number;
  /** Deploys per period, for rates. */
  volume: number;
  /** The tenant-wide series of a group of dimension series (their sum). */
  overall?: boolean;
}

/** A detection of a dimension series, as the service knows it when the overall series is judged. */
interface Sighting extends Detection {
  seenAt: number;
  dimension: string;
}

interface Episode {
  series: number;
  windowStart: string;
  windowEnd: string;
  direction: string;
  severity: string;
  /** The detector's kind when the episode was first seen. */
  kind: string;
  firstSeenAt: number;
}

export interface AccuracyResult {
  anomalies: number;
  detected: number;
  recall: number;
  precision: number;
  falseFindings: number;
  /** Findings graded false because an earlier episode already matched the same injected effect. */
  duplicates: number;
  /** Tenant-wide detections not written because a service's finding already explained them. */
  explained: number;
  findings: number;
  falsePerQuietTenantMonth: number;
  quietTenants: number;
  delaysDays: number[];
  byKind: Record<AnomalyKind, { injected: number; detected: number }>;
  /** False findings by series kind, grain, detector kind and tenant (quiet or not). */
  falseByKind: Record<string, number>;
  /** Recall by injected kind and grain, and by effect size band. */
  recallBy: Record<string, { injected: number; detected: number }>;
  /** Precision by the detector's kind and grain (spike/level shift, day/week). */
  precisionBy: Record<string, { findings: number; false: number }>;
}

const band = (effect: number) => (effect < 4 ? 'effect 3–4' : effect < 6 ? 'effect 4–6' : 'effect 6–8');
const tally = <T extends object>(m: Record<string, T>, key: string, init: () => T): T => (m[key] ??= init());

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

function generate(
  spec: SeriesSpec,
  truth: Truth | undefined,
  random: () => number,
): { points: SeriesPoint[]; direction: 'up' | 'down' } {
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
  return { points, direction: sign > 0 ? 'up' : 'down' };
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

/**
 * Whether an episode reports the injected effect: same direction, window overlapping the time the effect is
 * visible (spike: its period; shift and drift: from their start on). A "dropped" finding during an injected rise
 * is not a hit.
 */
function matches(e: Episode, t: Truth, grain: Grain, direction: string): boolean {
  if (e.direction !== direction) return false;
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
  const groupRandom = seededRandom(seed + 0x5eed);
  const result: AccuracyResult = {
    anomalies: 0,
    detected: 0,
    recall: 0,
    precision: 0,
    falseFindings: 0,
    duplicates: 0,
    explained: 0,
    findings: 0,
    falsePerQuietTenantMonth: 0,
    quietTenants: 0,
    delaysDays: [],
    byKind: {
      spike: { injected: 0, detected: 0 },
      level_shift: { injected: 0, detected: 0 },
      drift: { injected: 0, detected: 0 },
    },
    falseByKind: {},
    recallBy: {},
    precisionBy: {},
  };
  let quietFalse = 0;
  const falseByKind = result.falseByKind;
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
    const detect = (s: number, spec: SeriesSpec, points: SeriesPoint[], explained?: Sighting[]) => {
      const episodes: Episode[] = [];
      const sightings: Sighting[] = [];
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
        const seenAt = Date.parse(points[e].start) + (spec.grain === 'week' ? 7 : 1) * DAY_MS;
        // The service's rule: an overall finding one of its dimension values already explains is not written.
        const place = (x: Pick<Detection, 'direction' | 'windowStart' | 'windowEnd'>, dimension: string) => ({
          metric: 'group',
          grain: spec.grain,
          dimensionName: dimension ? 'service' : '',
          dimensionValue: dimension,
          direction: x.direction,
          windowStart: x.windowStart,
          windowEnd: x.windowEnd,
        });
        const known = (explained ?? []).filter((x) => x.seenAt <= seenAt).map((x) => place(x, x.dimension));
        if (explained && explainedBy(place(d, ''), known)) {
          result.explained++;
          continue;
        }
        sightings.push({ ...d, seenAt, dimension: `s${s}` });
        merge(episodes, s, d, seenAt);
      }
      return { episodes, sightings };
    };
    /** Grades a series' episodes against the injected effects they may report. */
    const grade = (
      spec: SeriesSpec,
      episodes: Episode[],
      effects: { truth: Truth; direction: string; found: boolean }[],
    ) => {
      for (const ep of episodes) {
        result.findings++;
        const effect = effects.find((x) => matches(ep, x.truth, spec.grain, x.direction));
        // One injected effect earns one true finding: a second episode matching it (a spike then a shift with
        // another start; an overall series' finding next to its dimension's) is one a user reads twice: false.
        const duplicate = effect !== undefined && effect.found;
        if (effect) effect.found = true;
        const p = tally(result.precisionBy, `${ep.kind}/${spec.grain}`, () => ({ findings: 0, false: 0 }));
        p.findings++;
        if (duplicate) result.duplicates++;
        if (!effect || duplicate) {
          p.false++;
          result.falseFindings++;
          const key = `${spec.kind}/${spec.grain}${spec.overall ? '/overall' : ''}/${ep.kind}/${duplicate ? 'duplicate' : quiet ? 'quiet' : 'other'}`;
          falseByKind[key] = (falseByKind[key] ?? 0) + 1;
          if (quiet) quietFalse++;
        }
      }
    };
    const recallOf = (spec: SeriesSpec, truth: Truth, direction: string, episodes: Episode[]) => {
      result.anomalies++;
      result.byKind[truth.kind].injected++;
      const groups = [`${truth.kind}/${spec.grain}`, band(truth.effect)].map((key) =>
        tally(result.recallBy, key, () => ({ injected: 0, detected: 0 })),
      );
      for (const g of groups) g.injected++;
      const found = episodes.filter((ep) => matches(ep, truth, spec.grain, direction));
      if (found.length === 0) return;
      result.detected++;
      result.byKind[truth.kind].detected++;
      for (const g of groups) g.detected++;
      const seen = Math.min(...found.map((f) => f.firstSeenAt));
      result.delaysDays.push((seen - Date.parse(periodStart(truth.start, spec.grain))) / DAY_MS);
    };

    specs.forEach((spec, s) => {
      const truth = truths.find((t) => t.series === s);
      const { points, direction } = generate(spec, truth, random);
      const { episodes } = detect(s, spec, points);
      grade(spec, episodes, truth ? [{ truth, direction, found: false }] : []);
      if (truth) recallOf(spec, truth, direction, episodes);
    });

    // Two services' weekly counts and the tenant-wide series they add up to, from a stream of their own (the nine
    // series above are the same with or without them). An effect is injected into one service at most.
    const parts = [0, 1].map(() => ({
      kind: 'count' as const,
      grain: 'week' as const,
      level: 8 + 22 * groupRandom(),
      volume: 0,
    }));
    const partTruths: (Truth | undefined)[] = [undefined, undefined];
    if (!quiet && groupRandom() < 0.5) {
      const kinds: AnomalyKind[] = ['spike', 'level_shift', 'drift'];
      const which = groupRandom() < 0.5 ? 0 : 1;
      partTruths[which] = {
        series: 100 + which,
        kind: kinds[Math.floor(groupRandom() * kinds.length)],
        start: WEEKS - EVAL_WEEKS + 2 + Math.floor(groupRandom() * (EVAL_WEEKS - 6)),
        effect: 3 + 5 * groupRandom(),
      };
    }
    const generated = parts.map((spec, k) => generate(spec, partTruths[k], groupRandom));
    const effects: { truth: Truth; direction: string; found: boolean }[] = [];
    const sightings: Sighting[] = [];
    parts.forEach((spec, k) => {
      const { episodes, sightings: seen } = detect(100 + k, spec, generated[k].points);
      sightings.push(...seen);
      const truth = partTruths[k];
      const effect = truth ? { truth, direction: generated[k].direction, found: false } : undefined;
      grade(spec, episodes, effect ? [effect] : []);
      if (effect) {
        effects.push(effect);
        recallOf(spec, effect.truth, effect.direction, episodes);
      }
    });
    const overall: SeriesSpec = { kind: 'count', grain: 'week', level: 0, volume: 0, overall: true };
    const summed = generated[0].points.map((p, i) => {
      const v = (p.value ?? 0) + (generated[1].points[i].value ?? 0);
      return { start: p.start, value: v, volume: v };
    });
    grade(overall, detect(102, overall, summed, sightings).episodes, effects);
  }
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
    kind: d.kind,
    firstSeenAt: seenAt,
  });
}
