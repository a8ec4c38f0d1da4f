import { describeForecast, forecastBacklog } from './backlog-forecast';

describe('forecastBacklog', () => {
  it('turns a steady net burn into weeks to clear, with an interval around it', () => {
    const resolved = [10, 11, 9, 10, 12, 10, 9, 11, 10, 10, 11, 9];
    const created = resolved.map((v) => v - 4);
    const f = forecastBacklog(40, resolved, created)!;
    expect(f.netPerWeek.value).toBe(4);
    expect(f.weeks).toEqual({ value: 10, low: 10, high: 10 });
    expect(describeForecast('project', 'PAY', f)).toBe(
      'At the current pace the open backlog of project PAY (40 items) clears in 10 weeks (10–10).',
    );
  });

  it('widens the interval with a noisy pace and says so when the slowest pace would never clear', () => {
    const resolved = [12, 4, 14, 3, 12, 5, 13, 4, 12, 6, 14, 3];
    const created = Array.from({ length: 12 }, () => 7);
    const f = forecastBacklog(30, resolved, created)!;
    expect(f.weeks!.value).toBeCloseTo(30 / f.netPerWeek.value, 6);
    expect(f.weeks!.low).toBeLessThan(f.weeks!.value);
    expect(f.weeks!.high).toBeNull();
    expect(describeForecast('project', 'PAY', f)).toMatch(
      /clears in \d+ weeks \(at least [\d.]+; at the slowest/,
    );
  });

  it('says a growing backlog is not shrinking, and forecasts nothing from under eight weeks', () => {
    const f = forecastBacklog(30, [5, 5, 5, 5, 5, 5, 5, 5], [8, 8, 8, 8, 8, 8, 8, 8])!;
    expect(f.weeks).toBeNull();
    expect(describeForecast('project', 'PAY', f)).toBe(
      'At the current pace the open backlog of project PAY (30 items) is not shrinking: 3 more items a week are opened than resolved.',
    );
    expect(forecastBacklog(30, [9, 9, 9, 9, 9, 9, 9], [5, 5, 5, 5, 5, 5, 5])).toBeNull();
  });
});
