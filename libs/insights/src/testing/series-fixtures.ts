import type { Grain, MetricKind, MetricSeries, SeriesPoint } from '../insights.types';
import { SeededRandom } from '@app/common';

/** mulberry32: the same numbers on every machine, so tests and the benchmark are reproducible. */
export function seededRandom(seed: number): () => number {
  return new SeededRandom(seed).next;
}

/** Poisson sample (Knuth for small means, a rounded normal above 30). */
export function poisson(random: () => number, mean: number): number {
  if (mean <= 0) return 0;
  if (mean > 30) {
    const z = Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random());
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * z));
  }
  const limit = Math.exp(-mean);
  let k = 0;
  let p = random();
  while (p > limit) {
    k++;
    p *= random();
  }
  return k;
}

export function binomial(random: () => number, n: number, p: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (random() < p) k++;
  return k;
}

const DAY_MS = 86_400_000;
/** A Monday, so weekly periods start on Mondays like the semantic model's weeks. */
export const SERIES_EPOCH = Date.parse('2026-01-05T00:00:00.000Z');

export function periodStart(index: number, grain: Grain): string {
  return new Date(SERIES_EPOCH + index * (grain === 'week' ? 7 : 1) * DAY_MS).toISOString();
}

/** A series from plain values (volume = the value for counts, `volume` otherwise). */
export function seriesOf(
  values: (number | null)[],
  opts: { grain?: Grain; kind?: MetricKind; volume?: number | number[]; metric?: string } = {},
): MetricSeries {
  const grain = opts.grain ?? 'week';
  const kind = opts.kind ?? 'count';
  const points: SeriesPoint[] = values.map((value, i) => ({
    start: periodStart(i, grain),
    value,
    volume:
      kind === 'count' ? (value ?? 0) : Array.isArray(opts.volume) ? opts.volume[i] : (opts.volume ?? 20),
  }));
  return { metric: opts.metric ?? 'throughput', kind, grain, dimension: null, points };
}
