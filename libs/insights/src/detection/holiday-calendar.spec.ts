import { DEFAULT_DETECTION_OPTIONS as opts } from '../insights.types';
import { poisson, seededRandom, seriesOf } from '../testing/series-fixtures';
import { detectAnomaly } from './anomaly-detector';
import { HolidayCalendar } from './holiday-calendar';

/** 10 weeks of weekdays at ~15 with quiet weekends, from Monday 5 Jan 2026 (series-fixtures' epoch). */
function days(seed: number, n = 70): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => (i % 7 >= 5 ? poisson(random, 0.5) : poisson(random, 15)));
}

describe('HolidayCalendar', () => {
  it('reads dates and inclusive ranges, and marks days and the weeks containing them', () => {
    const calendar = new HolidayCalendar(['2026-01-01', '2026-02-16..2026-02-17']);
    expect(calendar.size).toBe(3);
    expect(calendar.covers('2026-02-17T00:00:00.000Z', 'day')).toBe(true);
    expect(calendar.covers('2026-02-18T00:00:00.000Z', 'day')).toBe(false);
    expect(calendar.covers('2026-02-16T00:00:00.000Z', 'week')).toBe(true);
    expect(calendar.covers('2026-02-09T00:00:00.000Z', 'week')).toBe(false);
  });

  it('never reports a holiday as a drop, daily or weekly, while the same drop on a working day is one', () => {
    // Day 66 is Thursday 12 Mar 2026; nobody works on it.
    const values = [...days(1, 66), 0];
    const holiday = new HolidayCalendar(['2026-03-12']);
    const series = seriesOf(values, { grain: 'day' });
    expect(detectAnomaly(series, opts)).toMatchObject({ direction: 'down', observed: 0 });
    expect(detectAnomaly(holiday.mark(series), opts)).toBeNull();

    const random = seededRandom(2);
    const weeks = [...Array.from({ length: 26 }, () => poisson(random, 40)), 12];
    const shutdown = new HolidayCalendar(['2026-07-06..2026-07-10']); // week 26 of the fixtures' calendar
    const weekly = seriesOf(weeks);
    expect(detectAnomaly(weekly, opts)).toMatchObject({ direction: 'down' });
    expect(detectAnomaly(shutdown.mark(weekly), opts)).toBeNull();
  });

  it('still reports a rise on a holiday (an incident does not take the day off)', () => {
    const values = [...days(3, 66), 60];
    const series = new HolidayCalendar(['2026-03-12']).mark(seriesOf(values, { grain: 'day' }));
    expect(detectAnomaly(series, opts)).toMatchObject({ direction: 'up', observed: 60 });
  });

  it('leaves holidays out of the baseline: past shutdowns do not lower the usual level or widen its range', () => {
    const random = seededRandom(4);
    const weeks = Array.from({ length: 26 }, (_, i) =>
      i % 6 === 3 ? poisson(random, 4) : poisson(random, 40),
    );
    const shutdowns = weeks.flatMap((_, i) =>
      i % 6 === 3 ? [seriesOf(weeks).points[i].start.slice(0, 10)] : [],
    );
    const series = seriesOf([...weeks, 12]);
    const marked = new HolidayCalendar(shutdowns).mark(series);
    const plain = detectAnomaly(series, opts);
    const found = detectAnomaly(marked, opts)!;
    expect(found).toMatchObject({ direction: 'down', observed: 12 });
    expect(found.expected.value).toBeGreaterThan(35);
    expect(found.expected.low).toBeGreaterThan(25);
    expect(plain === null || plain.expected.low <= found.expected.low).toBe(true);
  });
});
