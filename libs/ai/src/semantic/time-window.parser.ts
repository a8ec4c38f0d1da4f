import * as chrono from 'chrono-node';
import { NUMBER_WORD_PATTERN, numberOfWord } from './number-words';
import type { TimeGrain } from './semantic-model.schema';

/** Half-open [start, end) in UTC; a null bound is unbounded. */
export interface TimeWindow {
  start: Date | null;
  end: Date | null;
  /** How the question said it ("last week", "since March 2026"). */
  label: string;
}

export interface TimeSpan {
  start: number;
  end: number;
}

export interface TimeParse {
  window: TimeWindow | null;
  grain: TimeGrain | null;
  /** "over time" / "trend": the question wants a series but did not say which grain. */
  trend: boolean;
  /** Character ranges of the text that were read as time expressions. */
  spans: TimeSpan[];
  /** How many separate windows the text names (more than one is ambiguous). */
  windowCount: number;
  /** The window came from the general date parser rather than a known pattern. */
  approximate: boolean;
}

type Unit = 'hour' | 'day' | 'week' | 'month' | 'quarter' | 'year';
interface Period {
  start: Date;
  end: Date;
  label: string;
}

const DAY_MS = 86_400_000;

export function startOfUtcDay(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

/** Start of the period containing d; weeks start on Monday (ISO), as PostgreSQL's date_trunc('week'). */
export function truncateUtc(d: Date, grain: TimeGrain): Date {
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  switch (grain) {
    case 'day':
      return startOfUtcDay(d);
    case 'week': {
      const day = startOfUtcDay(d);
      const sinceMonday = (day.getUTCDay() + 6) % 7;
      return new Date(day.getTime() - sinceMonday * DAY_MS);
    }
    case 'month':
      return new Date(Date.UTC(y, m, 1));
    case 'quarter':
      return new Date(Date.UTC(y, m - (m % 3), 1));
    case 'year':
      return new Date(Date.UTC(y, 0, 1));
  }
}

export function addUtc(d: Date, unit: Unit, n: number): Date {
  switch (unit) {
    case 'hour':
      return new Date(d.getTime() + n * 3_600_000);
    case 'day':
      return new Date(d.getTime() + n * DAY_MS);
    case 'week':
      return new Date(d.getTime() + 7 * n * DAY_MS);
    case 'month':
    case 'quarter':
    case 'year': {
      const months = unit === 'month' ? n : unit === 'quarter' ? 3 * n : 12 * n;
      const target = new Date(d.getTime());
      const day = d.getUTCDate();
      target.setUTCDate(1);
      target.setUTCMonth(target.getUTCMonth() + months);
      // Clamp the day so "one month before 31 March" is 28/29 February, not 3 March.
      const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
      target.setUTCDate(Math.min(day, lastDay));
      return target;
    }
  }
}

/** Month names in lower case, January first (shared with the question scanner's date forms). */
export const MONTHS: readonly string[] = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const MONTH_RE =
  '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
const YEAR_RE = '(?:19|20)\\d{2}';
const ORD_RE = '\\d{1,2}(?:st|nd|rd|th)?(?!\\d)';
const QUARTER_RE = `(?:q[1-4](?:\\s*(?:of\\s+)?${YEAR_RE})?|${YEAR_RE}\\s*q[1-4]|(?:first|second|third|fourth|1st|2nd|3rd|4th|last)\\s+quarter(?:\\s+(?:of\\s+)?${YEAR_RE})?)`;
const DAY_DATE_RE = `(?:\\d{4}-\\d{2}-\\d{2}|\\d{1,2}/\\d{1,2}/\\d{4}|${MONTH_RE}\\s+${ORD_RE}(?:,?\\s+${YEAR_RE})?|${ORD_RE}\\s+(?:of\\s+)?${MONTH_RE}(?:,?\\s+${YEAR_RE})?)`;
const MONTH_YEAR_RE = `${MONTH_RE}(?:\\s+(?:of\\s+)?${YEAR_RE})?`;
const REL_POINT_RE = '(?:today|yesterday|(?:this|current|last|previous|prior) (?:week|month|quarter|year))';
const POINT_RE = `(?:the\\s+)?(?:${DAY_DATE_RE}|${QUARTER_RE}|${MONTH_YEAR_RE}|${YEAR_RE}|${REL_POINT_RE})`;
const GRAIN_ADVERBS: Record<string, TimeGrain> = {
  daily: 'day',
  weekly: 'week',
  monthly: 'month',
  quarterly: 'quarter',
  yearly: 'year',
  annually: 'year',
  annual: 'year',
};

const iso = (d: Date) => d.toISOString().slice(0, 10);

function unitOf(word: string): Unit {
  const w = word.replace(/s$/, '');
  if (w === 'hour' || w === 'day' || w === 'week' || w === 'month' || w === 'quarter' || w === 'year')
    return w;
  throw new Error(`not a unit: ${word}`);
}

function period(start: Date, end: Date, label: string): Period {
  return { start, end, label };
}

/** The current or previous calendar period containing now. */
function calendarPeriod(grain: TimeGrain, now: Date, offset: 0 | -1, label: string): Period {
  const current = truncateUtc(now, grain);
  const unit: Unit = grain;
  const start = offset === 0 ? current : addUtc(current, unit, -1);
  return period(start, addUtc(start, unit, 1), label);
}

function monthIndex(word: string): number {
  return MONTHS.findIndex((m) => m.startsWith(word.slice(0, 3)));
}

/** A year given or, when omitted, the latest year in which the period has already started. */
function yearFor(explicit: string | undefined, startInYear: (y: number) => Date, now: Date): number {
  if (explicit) return Number(explicit);
  const y = now.getUTCFullYear();
  return startInYear(y) <= now ? y : y - 1;
}

/** Reads one date expression ("March 2025", "Q3", "2025-03-04", "last month") as the period it names. */
export function parsePeriod(expr: string, now: Date): Period | null {
  const text = expr.trim().replace(/^the\s+/, '');
  const today = startOfUtcDay(now);
  if (text === 'today') return period(today, addUtc(today, 'day', 1), 'today');
  if (text === 'yesterday') return period(addUtc(today, 'day', -1), today, 'yesterday');

  let m = /^(this|current|last|previous|prior) (week|month|quarter|year)$/.exec(text);
  if (m) return calendarPeriod(m[2] as TimeGrain, now, m[1] === 'this' || m[1] === 'current' ? 0 : -1, text);

  m =
    new RegExp(
      `^(?:q([1-4])|(first|second|third|fourth|1st|2nd|3rd|4th|last) quarter)(?:\\s*(?:of\\s+)?(${YEAR_RE}))?$`,
    ).exec(text) ?? new RegExp(`^(${YEAR_RE})\\s*q([1-4])$`).exec(text);
  if (m) {
    let q: number;
    let yearText: string | undefined;
    if (/^\d{4}/.test(m[1] ?? '')) {
      yearText = m[1];
      q = Number(m[2]);
    } else {
      const ordinal = ['first', 'second', 'third', 'fourth'];
      const short = ['1st', '2nd', '3rd', '4th'];
      q = m[1] ? Number(m[1]) : ordinal.includes(m[2]) ? ordinal.indexOf(m[2]) + 1 : short.indexOf(m[2]) + 1;
      yearText = m[3];
      if (m[2] === 'last') {
        // "last quarter of 2025" is Q4; bare "last quarter" is handled by the relative pattern above.
        if (!yearText) return null;
        q = 4;
      }
    }
    const year = yearFor(yearText, (y) => new Date(Date.UTC(y, (q - 1) * 3, 1)), now);
    const start = new Date(Date.UTC(year, (q - 1) * 3, 1));
    return period(start, addUtc(start, 'quarter', 1), `Q${q} ${year}`);
  }

  m = new RegExp(`^(${YEAR_RE})$`).exec(text);
  if (m) {
    const start = new Date(Date.UTC(Number(m[1]), 0, 1));
    return period(start, addUtc(start, 'year', 1), m[1]);
  }

  m = new RegExp(`^(${MONTH_RE})(?:\\s+(?:of\\s+)?(${YEAR_RE}))?$`).exec(text);
  if (m) {
    const month = monthIndex(m[1]);
    const year = yearFor(m[2], (y) => new Date(Date.UTC(y, month, 1)), now);
    const start = new Date(Date.UTC(year, month, 1));
    const name = MONTHS[month][0].toUpperCase() + MONTHS[month].slice(1);
    return period(start, addUtc(start, 'month', 1), `${name} ${year}`);
  }

  m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m) {
    const start = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
    if (Number.isNaN(start.getTime()) || iso(start) !== text) return null;
    return period(start, addUtc(start, 'day', 1), text);
  }

  return chronoPeriod(text, now, true);
}

/** A single day (or month) read by chrono-node; a year it had to guess is the latest one not after now. */
function chronoPeriod(text: string, now: Date, whole: boolean): Period | null {
  const results = chrono.parse(text, { instant: now, timezone: 'UTC' });
  const r = results[0];
  if (!r) return null;
  if (whole && r.text.length < text.length - 1) return null;
  const c = r.start;
  const month = c.get('month');
  if (!month || !c.isCertain('month')) return null;
  let year = c.get('year') ?? now.getUTCFullYear();
  const dayCertain = c.isCertain('day');
  const day = dayCertain ? (c.get('day') ?? 1) : 1;
  let start = new Date(Date.UTC(year, month - 1, day));
  if (!c.isCertain('year') && start > now) {
    year -= 1;
    start = new Date(Date.UTC(year, month - 1, day));
  }
  if (!dayCertain) return period(start, addUtc(start, 'month', 1), r.text);
  if (r.end?.isCertain('day')) {
    const e = r.end;
    const end = new Date(Date.UTC(e.get('year') ?? year, (e.get('month') ?? month) - 1, e.get('day') ?? day));
    return period(start, addUtc(end, 'day', 1), r.text);
  }
  return period(start, addUtc(start, 'day', 1), iso(start));
}

function rolling(n: number, unit: Unit, now: Date, label: string): TimeWindow {
  if (unit === 'hour') return { start: addUtc(now, 'hour', -n), end: now, label };
  // Whole days including today, as BI tools read "last 30 days".
  const end = addUtc(startOfUtcDay(now), 'day', 1);
  return { start: addUtc(end, unit, -n), end, label };
}

interface Matcher {
  re: RegExp;
  read: (m: RegExpExecArray, now: Date) => { window?: TimeWindow; grain?: TimeGrain; trend?: boolean } | null;
}

const MATCHERS: Matcher[] = [
  {
    re: new RegExp(
      `\\b(?:between|from)\\s+(${POINT_RE})\\s+(?:and|to|until|till|through|thru|-)\\s+(${POINT_RE})\\b`,
      'g',
    ),
    read: (m, now) => {
      const a = parsePeriod(m[1], now);
      const b = parsePeriod(m[2], now);
      if (!a || !b || b.end <= a.start) return null;
      return { window: { start: a.start, end: b.end, label: `${a.label} to ${b.label}` } };
    },
  },
  {
    re: new RegExp(
      `\\b(?:(?:in|over|during|for|within)\\s+)?(?:the\\s+)?(?:last|past|previous|prior|trailing)\\s+(\\d+|a|an|${NUMBER_WORD_PATTERN})\\s+(hours?|days?|weeks?|months?|quarters?|years?)\\b`,
      'g',
    ),
    read: (m, now) => {
      // Digits, a number word, or an article: "the past an hour" is one hour.
      const n = /^\d+$/.test(m[1]) ? Number(m[1]) : (numberOfWord(m[1]) ?? 1);
      if (!n || n > 10_000) return null;
      return { window: rolling(n, unitOf(m[2]), now, `the last ${n} ${m[2]}`) };
    },
  },
  {
    re: /\b(year|month|quarter|week) to date\b|\b(ytd|qtd|mtd|wtd)\b/g,
    read: (m, now) => {
      const key = m[1] ?? { ytd: 'year', qtd: 'quarter', mtd: 'month', wtd: 'week' }[m[2]];
      const grain = key as TimeGrain;
      return {
        window: {
          start: truncateUtc(now, grain),
          end: addUtc(startOfUtcDay(now), 'day', 1),
          label: `${grain} to date`,
        },
      };
    },
  },
  {
    re: new RegExp(
      `\\b(since|after|starting|starting from|starting in|from|before|until|till|prior to)\\s+(${POINT_RE})\\b`,
      'g',
    ),
    read: (m, now) => {
      const p = parsePeriod(m[2], now);
      if (!p) return null;
      switch (m[1]) {
        case 'after':
          return { window: { start: p.end, end: null, label: `after ${p.label}` } };
        case 'before':
        case 'until':
        case 'till':
        case 'prior to':
          return { window: { start: null, end: p.start, label: `before ${p.label}` } };
        default:
          return { window: { start: p.start, end: null, label: `since ${p.label}` } };
      }
    },
  },
  {
    // "past week" is a rolling 7 days; "last week" the previous calendar week.
    re: /\b(?:(?:in|during|for|over|of|within)\s+)?(?:the\s+)?past\s+(day|week|month|quarter|year)\b/g,
    read: (m, now) => ({ window: rolling(1, unitOf(m[1]), now, `the past ${m[1]}`) }),
  },
  {
    re: new RegExp(`\\b(?:(?:in|during|for|over|of|on|within|throughout)\\s+)(${POINT_RE})\\b`, 'g'),
    read: (m, now) => {
      const p = parsePeriod(m[1], now);
      return p ? { window: { start: p.start, end: p.end, label: p.label } } : null;
    },
  },
  {
    // Without a preposition only unambiguous forms count (a bare "may" or "2025" could be anything).
    re: new RegExp(
      `\\b(${REL_POINT_RE}|${QUARTER_RE}|\\d{4}-\\d{2}-\\d{2}|${MONTH_RE}\\s+${YEAR_RE}|${MONTH_RE}\\s+${ORD_RE}(?:,?\\s+${YEAR_RE})?)\\b`,
      'g',
    ),
    read: (m, now) => {
      const p = parsePeriod(m[1], now);
      return p ? { window: { start: p.start, end: p.end, label: p.label } } : null;
    },
  },
  {
    re: /\b(?:per|by|each|every|a|an|for each|for every|grouped by|broken down by|split by|bucketed by|which|what)\s+(day|week|month|quarter|year)\b/g,
    read: (m) => ({ grain: m[1] as TimeGrain }),
  },
  {
    re: /\b(daily|weekly|monthly|quarterly|yearly|annually|annual)\b/g,
    read: (m) => ({ grain: GRAIN_ADVERBS[m[1]] }),
  },
  {
    re: /\b(day|week|month|quarter|year) (?:over|on|by) (?:day|week|month|quarter|year)\b/g,
    read: (m) => ({ grain: m[1] as TimeGrain }),
  },
  {
    re: /\b(?:over time|trend|trends|trending|time series|history)\b/g,
    read: () => ({ trend: true }),
  },
];

/**
 * Finds the time window, the time grain and "over time" in a lower-cased question. Windows are half-open UTC
 * ranges; "since"/"after" leave the end open and "before" the start.
 */
export function parseTimeExpressions(text: string, now: Date): TimeParse {
  const taken = new Array<boolean>(text.length).fill(false);
  const result: TimeParse = {
    window: null,
    grain: null,
    trend: false,
    spans: [],
    windowCount: 0,
    approximate: false,
  };
  const free = (s: number, e: number) => taken.slice(s, e).every((t) => !t);
  const take = (s: number, e: number) => {
    taken.fill(true, s, e);
    result.spans.push({ start: s, end: e });
  };

  for (const { re, read } of MATCHERS) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const s = m.index;
      const e = s + m[0].length;
      if (!free(s, e)) continue;
      const found = read(m, now);
      if (!found) continue;
      take(s, e);
      if (found.window) {
        result.windowCount += 1;
        result.window ??= found.window;
      }
      if (found.grain) result.grain ??= found.grain;
      if (found.trend) result.trend = true;
    }
  }

  // Anything date-like the patterns above did not know ("on the 3rd of last month") still counts, flagged.
  const rest = text
    .split('')
    .map((c, i) => (taken[i] ? ' ' : c))
    .join('');
  for (const r of chrono.parse(rest, { instant: now, timezone: 'UTC' })) {
    const p = chronoPeriod(r.text, now, true);
    if (!p) continue;
    take(r.index, r.index + r.text.length);
    result.windowCount += 1;
    result.approximate = true;
    result.window ??= { start: p.start, end: p.end, label: p.label };
  }
  return result;
}

/** "2026-11-16 to 2026-11-23 (exclusive)" style rendering of a window for explanations. */
export function describeWindow(w: TimeWindow): string {
  const fmt = (d: Date) => (d.getTime() % DAY_MS === 0 ? iso(d) : d.toISOString());
  if (w.start && w.end) return `${w.label} [${fmt(w.start)}, ${fmt(w.end)})`;
  if (w.start) return `${w.label} [${fmt(w.start)}, now]`;
  if (w.end) return `${w.label} [beginning, ${fmt(w.end)})`;
  return w.label;
}
