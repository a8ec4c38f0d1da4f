import { INSIGHT_METRICS } from '../series/insight-metric';
import { DEFAULT_DETECTION_OPTIONS as opts, type MetricSeries } from '../insights.types';
import { binomial, poisson, seededRandom, seriesOf } from '../testing/series-fixtures';
import { continuesFinding, detectAnomaly, explainedBy, type FindingPlace } from './anomaly-detector';
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

  it('judges WIP as a level: a steady 22–25 items rising to 40 is found, where counting noise would hide it', () => {
    const steady = Array.from({ length: 26 }, (_, i) => 22 + (i % 4));
    // Volume is the value, as for WIP readings (items in progress).
    const wipSeries = (last: number, kind: 'level' | 'count'): MetricSeries => ({
      ...seriesOf([...steady, last], { kind: 'count', metric: 'wip' }),
      kind,
    });
    const level = detectAnomaly(wipSeries(40, 'level'), opts)!;
    expect(level).toMatchObject({ kind: 'spike', direction: 'up', observed: 40 });
    expect(level.expected.low).toBeGreaterThan(17);
    expect(level.expected.high).toBeLessThan(31);
    // The same values as events per week: 40 against about 24 is within Poisson noise (√24 ≈ 5).
    expect(detectAnomaly(wipSeries(40, 'count'), opts)).toBeNull();
    // A drop to nothing in progress stays finite and is reported.
    expect(detectAnomaly(wipSeries(0, 'level'), opts)).toMatchObject({ direction: 'down', observed: 0 });
    expect(summarize(metric('wip'), 'week', { name: 'project', value: 'PAY' }, level)).toMatch(
      /^Work in progress in project PAY rose to 40 items on average in the week of \d+ \w+, against a usual \d+–\d+ items\.$/,
    );
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

  it('does not report a spike that has passed as a level shift in the weeks after it', () => {
    const base = noisyWeeks(6, 26, 20);
    expect(detectAnomaly(seriesOf([...base, 70]), opts)).toMatchObject({ kind: 'spike', direction: 'up' });
    const after = noisyWeeks(7, 3, 20);
    for (let w = 1; w <= after.length; w++) {
      expect(detectAnomaly(seriesOf([...base, 70, ...after.slice(0, w)]), opts)).toBeNull();
    }
  });

  it('finds a gradual drift once the accumulated change is clear, from the week it began', () => {
    const random = seededRandom(8);
    const base = Array.from({ length: 26 }, () => 40 * Math.exp(0.15 * (random() - 0.5)));
    const drift = [1, 2, 3, 4, 5, 6].map((w) => 40 * (1 + 0.12 * w));
    const series = seriesOf([...base, ...drift], { kind: 'duration', volume: 20 });
    const d = detectAnomaly(series, opts)!;
    expect(d).toMatchObject({ kind: 'level_shift', direction: 'up' });
    expect(Date.parse(d.windowStart)).toBeLessThanOrEqual(Date.parse(series.points[28].start));
  });

  it('judges a rate by its count model: 5 failures of 12 at a usual 10% is chance, 9 of 12 is not', () => {
    const random = seededRandom(9);
    const volume = Array.from({ length: 26 }, () => 12);
    const failed = volume.map((n) => binomial(random, n, 0.1));
    const rates = (last: number) => {
      const s = seriesOf([...failed.map((f) => f / 12), last / 12], {
        kind: 'rate',
        volume: [...volume, 12],
      });
      [...failed, last].forEach((f, i) => (s.points[i].numerator = f));
      return s;
    };
    // A normal approximation calls 5 of 12 (42%) a 3.7-deviation event; its exact tail is ~1 in 250.
    expect(detectAnomaly(rates(5), opts)).toBeNull();
    expect(detectAnomaly(rates(9), opts)).toMatchObject({ direction: 'up', observed: 0.75 });
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

describe('explainedBy', () => {
  const place = (p: Partial<FindingPlace>): FindingPlace => ({
    metric: 'deployment_frequency',
    grain: 'week',
    dimensionName: '',
    dimensionValue: '',
    direction: 'down',
    windowStart: '2026-11-23T00:00:00.000Z',
    windowEnd: '2026-11-30T00:00:00.000Z',
    ...p,
  });
  const service = { dimensionName: 'service', dimensionValue: 'payments-api' };

  it('drops the overall series’ finding when one of its dimension values already explains it', () => {
    const dimension = place(service);
    expect(explainedBy(place({}), [dimension])).toBe(dimension);
    // The other way round, the other direction, another metric or another window: both are told.
    expect(explainedBy(dimension, [place({})])).toBeNull();
    expect(explainedBy(place({}), [place({ ...service, direction: 'up' })])).toBeNull();
    expect(explainedBy(place({}), [place({ ...service, metric: 'throughput' })])).toBeNull();
    expect(
      explainedBy(place({}), [
        place({ ...service, windowStart: '2026-11-09T00:00:00.000Z', windowEnd: '2026-11-16T00:00:00.000Z' }),
      ]),
    ).toBeNull();
  });

  it('does not report a weekly level shift again as daily drops, this week included', () => {
    const shift = place({ kind: 'level_shift', windowStart: '2026-11-16T00:00:00.000Z' });
    const day = (d: string) =>
      place({ grain: 'day', windowStart: `2026-${d}T00:00:00.000Z`, windowEnd: `2026-${d}T23:59:59.000Z` });
    expect(explainedBy(day('11-25'), [shift])).toBe(shift);
    expect(explainedBy(day('12-01'), [shift])).toBe(shift);
    // Before the shift began, or a spike week (not in force afterwards), or another series: a finding of its own.
    expect(explainedBy(day('11-10'), [shift])).toBeNull();
    expect(explainedBy(day('12-01'), [place({ kind: 'spike' })])).toBeNull();
    expect(explainedBy(day('11-25'), [{ ...shift, ...service }])).toBeNull();
  });
});

describe('summarize', () => {
  it('reads like the issue’s example for a change failure rate', () => {
    const volume = [...Array.from({ length: 20 }, () => 28), 26];
    const failed = [2, 2, 1, 3, 2, 2, 2, 1, 2, 3, 2, 2, 2, 2, 1, 2, 2, 3, 2, 2];
    const series = seriesOf([...failed.map((f) => f / 28), 10 / 26], { kind: 'rate', volume });
    failed.forEach((f, i) => (series.points[i].numerator = f));
    series.points[20].numerator = 10;
    const d = detectAnomaly(series, opts)!;
    expect(d.direction).toBe('up');
    const text = summarize(
      metric('change_failure_rate'),
      'week',
      { name: 'service', value: 'payments-api' },
      d,
    );
    expect(text).toMatch(
      /^Change failure rate for payments-api rose to 38% in the week of 25 May, against a usual \d+–\d+%; 10 of 26 production deployments failed or were rolled back\.$/,
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
