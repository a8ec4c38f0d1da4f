import { INSIGHT_METRICS } from '../series/insight-metric';
import { DEFAULT_DETECTION_OPTIONS as opts, type MetricSeries } from '../insights.types';
import { binomial, poisson, seededRandom, seriesOf } from '../testing/series-fixtures';
import { continuesFinding, detectAnomaly } from './anomaly-detector';
import { summarize } from './finding-summary';

const metric = (id: string) => INSIGHT_METRICS.find((m) => m.id === id)!;

function noisyWeeks(seed: number, weeks: number, mean: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: weeks }, () => poisson(random, mean));
}

describe('detectAnomaly', () => {
  it('flags a one-week spike as high, with the expected range around the usual level', () => {
    const values = [...noisyWeeks(1, 26, 20), 65];
    const d = detectAnomaly(seriesOf(values), opts)!;
    expect(d).toMatchObject({ kind: 'spike', direction: 'up', observed: 65, severity: 'high' });
    expect(d.expected.value).toBeGreaterThan(15);
    expect(d.expected.value).toBeLessThan(25);
    expect(d.expected.low).toBeLessThan(d.expected.value);
    expect(d.expected.high).toBeLessThan(40);
    expect(d.windowStart).toBe(seriesOf(values).points[26].start);
  });

  it('flags a drop to nothing in a busy count (the usual volume counts)', () => {
    const d = detectAnomaly(seriesOf([...noisyWeeks(2, 20, 15), 0]), opts)!;
    expect(d).toMatchObject({ direction: 'down', observed: 0 });
    expect(['medium', 'high']).toContain(d.severity);
  });

  it('reports a level shift from its first week, and keeps that start as the shift goes on', () => {
    const base = noisyWeeks(3, 20, 20);
    const shifted = [55, 52, 54];
    const series = seriesOf([...base, ...shifted]);
    const d = detectAnomaly(series, opts)!;
    expect(d.kind).toBe('level_shift');
    expect(d.direction).toBe('up');
    expect(d.windowStart).toBe(series.points[20].start);
    expect(d.windowEnd).toBe(seriesOf([...base, ...shifted, 0]).points[23].start);

    const firstWeek = detectAnomaly(seriesOf([...base, 55]), opts)!;
    expect(continuesFinding(firstWeek, d)).toBe(true);
  });

  it('does not alert on weekday seasonality: quiet weekends and busy weekdays are the usual pattern', () => {
    const random = seededRandom(4);
    const days = Array.from({ length: 70 }, (_, i) =>
      i % 7 >= 5 ? poisson(random, 0.3) : poisson(random, 15),
    );
    // Every one of the last 14 days, taken as "today", is usual for its weekday.
    for (let end = 57; end <= 70; end++) {
      expect(detectAnomaly(seriesOf(days.slice(0, end), { grain: 'day' }), opts)).toBeNull();
    }
    // A Wednesday with a weekend's volume is not.
    const wednesday = days.slice(0, 65);
    expect(wednesday.length % 7).toBe(2);
    const d = detectAnomaly(seriesOf([...wednesday, 0], { grain: 'day' }), opts)!;
    expect(d).toMatchObject({ direction: 'down', observed: 0 });
  });

  it('says nothing from too little history, however large the change', () => {
    expect(detectAnomaly(seriesOf([20, 21, 19, 22, 20, 90]), opts)).toBeNull();
    const days = Array.from({ length: 20 }, () => 10);
    expect(detectAnomaly(seriesOf([...days, 80], { grain: 'day' }), opts)).toBeNull();
  });

  it('says nothing about groups below the minimum volume', () => {
    // One deployment a week, then four: a 4× jump, but too few events to page anyone.
    expect(detectAnomaly(seriesOf([...Array.from({ length: 20 }, () => 1), 4]), opts)).toBeNull();
    // A failure rate over three deployments.
    const rates = seriesOf([...Array.from({ length: 20 }, () => 0.05), 0.67], { kind: 'rate', volume: 3 });
    expect(detectAnomaly(rates, opts)).toBeNull();
  });

  it('raises few false findings on 500 quiet series of each kind', () => {
    const random = seededRandom(5);
    let found = 0;
    const tests = 500;
    for (let s = 0; s < tests; s++) {
      const counts = Array.from({ length: 30 }, () => poisson(random, 5 + s / 20));
      const volume = Array.from({ length: 30 }, () => poisson(random, 15));
      const rates = volume.map((n) => (n === 0 ? null : binomial(random, n, 0.1) / n));
      const series: MetricSeries[] = [seriesOf(counts), seriesOf(rates, { kind: 'rate', volume })];
      for (const x of series) {
        const d = detectAnomaly(x, opts);
        if (d && d.severity !== 'low') found++;
      }
    }
    expect(found / (2 * tests)).toBeLessThan(0.01);
  });
});

describe('summarize', () => {
  it('reads like the issue’s example for a change failure rate', () => {
    const volume = [...Array.from({ length: 20 }, () => 14), 13];
    const rates = [
      ...[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1].map((f) => f / 14),
      5 / 13,
    ];
    const series = seriesOf(rates, { kind: 'rate', volume });
    series.points[20].numerator = 5;
    const d = detectAnomaly(series, opts)!;
    expect(d.direction).toBe('up');
    const text = summarize(
      metric('change_failure_rate'),
      'week',
      { name: 'service', value: 'payments-api' },
      d,
    );
    expect(text).toMatch(
      /^Change failure rate for payments-api rose to 38% in the week of 25 May, against a usual \d+–\d+%; 5 of 13 production deployments failed or were rolled back\.$/,
    );
  });

  it('names the day for daily findings and the unit for durations', () => {
    const days = [...Array.from({ length: 42 }, (_, i) => (i % 7 >= 5 ? 0 : 10)), 40];
    const d = detectAnomaly(seriesOf(days, { grain: 'day' }), opts)!;
    expect(summarize(metric('throughput'), 'day', null, d)).toMatch(
      /^Throughput rose to 40 on Mon 16 Feb, against a usual/,
    );
    const hours = seriesOf([...Array.from({ length: 12 }, (_, i) => 30 + (i % 3)), 90], {
      kind: 'duration',
      volume: 12,
    });
    const dd = detectAnomaly(hours, opts)!;
    expect(summarize(metric('cycle_time_median'), 'week', { name: 'project', value: 'PAY' }, dd)).toMatch(
      /^Median cycle time for PAY rose to 90 hours in the week of 30 Mar, against a usual [\d.]+–[\d.]+ hours; 12 items resolved\.$/,
    );
  });
});
