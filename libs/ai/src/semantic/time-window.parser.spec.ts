import { parseTimeExpressions, parsePeriod } from './time-window.parser';

// A Wednesday afternoon.
const NOW = new Date('2026-11-25T15:30:00.000Z');

function windowOf(text: string, now = NOW): [string | null, string | null] | null {
  const w = parseTimeExpressions(text, now).window;
  return w ? [w.start?.toISOString() ?? null, w.end?.toISOString() ?? null] : null;
}
const day = (s: string) => `${s}T00:00:00.000Z`;

describe('parseTimeExpressions', () => {
  it.each([
    ['bugs resolved last week', day('2026-11-16'), day('2026-11-23')],
    ['bugs resolved this week', day('2026-11-23'), day('2026-11-30')],
    ['bugs resolved in the past week', day('2026-11-19'), day('2026-11-26')],
    ['deploys in the past 30 days', day('2026-10-27'), day('2026-11-26')],
    ['deploys over the last 30 days', day('2026-10-27'), day('2026-11-26')],
    ['deploys last 2 weeks', day('2026-11-12'), day('2026-11-26')],
    ['incidents in the last 3 months', day('2026-08-26'), day('2026-11-26')],
    ['incidents in the last three months', day('2026-08-26'), day('2026-11-26')],
    ['deploys over the past thirty days', day('2026-10-27'), day('2026-11-26')],
    ['what happened yesterday', day('2026-11-24'), day('2026-11-25')],
    ['prs merged today', day('2026-11-25'), day('2026-11-26')],
    ['cycle time this month', day('2026-11-01'), day('2026-12-01')],
    ['cycle time last month', day('2026-10-01'), day('2026-11-01')],
    ['cycle time this quarter', day('2026-10-01'), day('2027-01-01')],
    ['cycle time last quarter', day('2026-07-01'), day('2026-10-01')],
    ['cycle time last year', day('2025-01-01'), day('2026-01-01')],
    ['bugs in q3 2025', day('2025-07-01'), day('2025-10-01')],
    ['bugs in the third quarter of 2025', day('2025-07-01'), day('2025-10-01')],
    ['bugs in 2025 q4', day('2025-10-01'), day('2026-01-01')],
    ['bugs in 2025', day('2025-01-01'), day('2026-01-01')],
    ['bugs in march 2025', day('2025-03-01'), day('2025-04-01')],
    ['bugs in october', day('2026-10-01'), day('2026-11-01')],
    ['bugs created on 2026-02-03', day('2026-02-03'), day('2026-02-04')],
    ['between march and may 2026', day('2026-03-01'), day('2026-06-01')],
    ['between 2025-01-01 and 2025-01-31', day('2025-01-01'), day('2025-02-01')],
    ['from jan 5 to feb 10', day('2026-01-05'), day('2026-02-11')],
    ['year to date', day('2026-01-01'), day('2026-11-26')],
  ])('%s → [%s, %s)', (text, start, end) => {
    expect(windowOf(text)).toEqual([start, end]);
  });

  it('leaves "since" open-ended and "before" open at the start', () => {
    expect(windowOf('merged prs since march')).toEqual([day('2026-03-01'), null]);
    expect(windowOf('merged prs since 2026-09-01')).toEqual([day('2026-09-01'), null]);
    expect(windowOf('bugs after 2025')).toEqual([day('2026-01-01'), null]);
    expect(windowOf('bugs before june 2025')).toEqual([null, day('2025-06-01')]);
  });

  it('takes the last 24 hours to the minute', () => {
    expect(windowOf('deploys in the last 24 hours')).toEqual(['2026-11-24T15:30:00.000Z', NOW.toISOString()]);
  });

  it('starts weeks on Monday whatever the day of the week', () => {
    const sunday = new Date('2026-11-29T23:00:00.000Z');
    const monday = new Date('2026-11-23T00:00:00.000Z');
    expect(windowOf('this week', sunday)).toEqual([day('2026-11-23'), day('2026-11-30')]);
    expect(windowOf('this week', monday)).toEqual([day('2026-11-23'), day('2026-11-30')]);
    expect(windowOf('last week', monday)).toEqual([day('2026-11-16'), day('2026-11-23')]);
  });

  it('picks the latest year in which a month or quarter without a year has started', () => {
    const february = new Date('2026-02-10T12:00:00.000Z');
    expect(windowOf('since march', february)).toEqual([day('2025-03-01'), null]);
    expect(windowOf('in q3', february)).toEqual([day('2025-07-01'), day('2025-10-01')]);
    expect(windowOf('in january', february)).toEqual([day('2026-01-01'), day('2026-02-01')]);
  });

  it('handles month ends and leap years in rolling and calendar windows', () => {
    expect(windowOf('last month', new Date('2026-03-31T10:00:00.000Z'))).toEqual([
      day('2026-02-01'),
      day('2026-03-01'),
    ]);
    expect(windowOf('in february 2028')).toEqual([day('2028-02-01'), day('2028-03-01')]);
    // One month before 31 March is the end of February, not 3 March.
    expect(windowOf('past 1 month', new Date('2026-03-30T10:00:00.000Z'))).toEqual([
      day('2026-02-28'),
      day('2026-03-31'),
    ]);
  });

  it('reads grains and "over time"', () => {
    expect(parseTimeExpressions('throughput per week', NOW).grain).toBe('week');
    expect(parseTimeExpressions('deploys by month this year', NOW).grain).toBe('month');
    expect(parseTimeExpressions('daily deploys', NOW).grain).toBe('day');
    expect(parseTimeExpressions('quarterly throughput', NOW).grain).toBe('quarter');
    expect(parseTimeExpressions('which week had the most deploys', NOW).grain).toBe('week');
    const trend = parseTimeExpressions('cycle time over time', NOW);
    expect(trend.grain).toBeNull();
    expect(trend.trend).toBe(true);
  });

  it('does not take names or numbers for dates', () => {
    for (const text of [
      'median time to merge in payments-api',
      'top 5 assignees by bugs closed',
      'p90 cycle time',
    ]) {
      const parsed = parseTimeExpressions(text, NOW);
      expect(parsed.window).toBeNull();
      expect(parsed.spans).toEqual([]);
    }
  });

  it('counts the windows so a question with two is known to be ambiguous', () => {
    const parsed = parseTimeExpressions('bugs created last month and resolved this week', NOW);
    expect(parsed.windowCount).toBe(2);
  });

  it('reports the text it read so the planner does not read it again', () => {
    const text = 'bugs resolved last week by assignee';
    const parsed = parseTimeExpressions(text, NOW);
    expect(parsed.spans.map((s) => text.slice(s.start, s.end))).toEqual(['last week']);
  });
});

describe('parsePeriod', () => {
  it('returns null for text that is not a date', () => {
    expect(parsePeriod('payments-api', NOW)).toBeNull();
    expect(parsePeriod('2026-02-30', NOW)).toBeNull();
  });
});
