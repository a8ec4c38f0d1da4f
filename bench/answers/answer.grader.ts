/**
 * Judges one HTTP answer of /v1/ai/query against a bank question's expectations. Pure: no I/O, so it is unit
 * tested on hand-made responses. The conventions are in bench/answers/README.md ("Grading").
 */
import type { BankQuestion, Expectation, HttpAnswer, MeasureUnit, Verdict } from './answer-bank.types';

interface ResultBody {
  columns: string[];
  rows: unknown[][];
  truncated?: boolean;
}

const DATE_ONLY = /^(\d{4}-\d{2}-\d{2})(?:[T ]00:00:00(?:\.0+)?(?:Z|[+-]00(?::?00)?)?)?$/;
/** How an answer may label the group of missing values ("no assignee"). */
const NO_VALUE = new Set([
  '',
  'unassigned',
  '(unassigned)',
  'none',
  '(none)',
  '(null)',
  'null',
  '(no value)',
]);
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
/** "October 2026", "Oct 2026": a month bucket written out. */
const MONTH_YEAR = /^(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,? (\d{4})$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;

/** A cell as a comparable key: lower-case trimmed text, midnight timestamps as their date, months as day 1. */
export function keyOf(cell: unknown): string {
  if (cell === null || cell === undefined) return 'null';
  if (typeof cell === 'number') return String(cell);
  if (typeof cell === 'boolean') return String(cell);
  if (typeof cell !== 'string') return JSON.stringify(cell).toLowerCase();
  const text = cell.trim();
  if (NO_VALUE.has(text.toLowerCase())) return 'null';
  const date = DATE_ONLY.exec(text);
  if (date) return date[1];
  if (/^\d{4}-\d{2}$/.test(text)) return `${text}-01`;
  const month = MONTH_YEAR.exec(text.toLowerCase());
  if (month) return `${month[2]}-${String(MONTHS.indexOf(month[1].slice(0, 3)) + 1).padStart(2, '0')}-01`;
  if (/^-?\d+(\.\d+)?$/.test(text)) return String(Number(text));
  return text.toLowerCase();
}

/** A numeric cell (pg sends bigint and numeric as strings); null when not a number. */
export function numberOf(cell: unknown): number | null {
  if (typeof cell === 'number' && Number.isFinite(cell)) return cell;
  if (typeof cell === 'string' && /^\s*-?\d+(\.\d+)?(e[+-]?\d+)?\s*$/i.test(cell)) return Number(cell);
  return null;
}

/** Decimal places a number was given with ("1.50" → 2, 3 → 0). */
function decimalsOf(cell: unknown): number {
  const text = typeof cell === 'string' ? cell.trim() : String(cell);
  const dot = text.indexOf('.');
  return dot < 0 || /e/i.test(text) ? 0 : text.length - dot - 1;
}

/**
 * Equal within 1e-6 relative, or the truth rounded to the precision the answer shows (at least two decimals, or
 * any precision within 0.5%): "0.12" is a right change failure rate of 0.1234 the way a person reads it.
 */
export function sameNumber(got: number, truth: number, shownDecimals = 12): boolean {
  if (Math.abs(got - truth) <= 1e-6 * Math.max(1, Math.abs(truth))) return true;
  if (Number.isInteger(truth) && Number.isInteger(got)) return false;
  const d = Math.min(shownDecimals, 12);
  const rounded = Math.round(truth * 10 ** d) / 10 ** d;
  if (Math.abs(rounded - got) > 1e-9 * Math.max(1, Math.abs(truth))) return false;
  return d >= 2 || Math.abs(got - truth) <= 0.005 * Math.abs(truth);
}

/** Hours in a PostgreSQL interval as node-postgres returns it ({ days, hours, ... }) or as text. */
function intervalHours(cell: unknown): number | null {
  if (cell && typeof cell === 'object') {
    const i = cell as Record<string, number | undefined>;
    const known = ['years', 'months', 'days', 'hours', 'minutes', 'seconds', 'milliseconds'];
    if (!Object.keys(i).every((k) => known.includes(k))) return null;
    return (
      ((i.years ?? 0) * 365 + (i.months ?? 0) * 30 + (i.days ?? 0)) * 24 +
      (i.hours ?? 0) +
      (i.minutes ?? 0) / 60 +
      (i.seconds ?? 0) / 3600 +
      (i.milliseconds ?? 0) / 3_600_000
    );
  }
  if (typeof cell === 'string') {
    const m = /^(?:(-?\d+) days? ?)?(?:(-?\d+):(\d{2}):(\d{2}(?:\.\d+)?))?$/.exec(cell.trim());
    if (m && (m[1] || m[2])) {
      return Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0) + Number(m[3] ?? 0) / 60 + Number(m[4] ?? 0) / 3600;
    }
  }
  return null;
}

/**
 * A measure cell against the truth. Durations: the column name decides the unit when it names one (days, hours,
 * minutes, seconds); otherwise hours or days are both accepted. Ratios: a fraction, or a percentage when the
 * column says so (pct, percent, %) or the value is above 1.
 */
export function sameMeasure(cell: unknown, column: string, truth: number, unit: MeasureUnit): boolean {
  const col = column.toLowerCase();
  if (unit === 'duration_hours') {
    const interval = intervalHours(cell);
    if (interval !== null) return sameNumber(interval, truth, 2);
    const n = numberOf(cell);
    if (n === null) return false;
    const d = decimalsOf(cell);
    if (/day/.test(col)) return sameNumber(n, truth / 24, d);
    if (/hour|hrs?\b|_h$/.test(col)) return sameNumber(n, truth, d);
    if (/min/.test(col)) return sameNumber(n, truth * 60, d);
    if (/sec|_s$/.test(col)) return sameNumber(n, truth * 3600, d);
    return sameNumber(n, truth, d) || sameNumber(n, truth / 24, d);
  }
  const n = numberOf(cell);
  if (n === null) return false;
  const d = decimalsOf(cell);
  if (unit === 'ratio') {
    if (/pct|percent|%/.test(col) || n > 1) return sameNumber(n, truth * 100, d);
    return sameNumber(n, truth, d);
  }
  if (unit === 'count') return Number.isInteger(truth) ? n === truth : sameNumber(n, truth, d);
  return sameNumber(n, truth, d);
}

/** Column names compared loosely: "story_points", "storyPoints" and "Story points" are one name. */
const looseName = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

function idColumn(columns: string[]): number {
  const names = columns.map(looseName);
  for (const want of ['id', 'externalid', 'key']) {
    const i = names.indexOf(want);
    if (i >= 0) return i;
  }
  return 0;
}

/** A lookup value: numbers numerically, timestamps by instant (or by day when the answer is a date). */
function sameValue(cell: unknown, truth: string | number): boolean {
  if (typeof truth === 'number') {
    const n = numberOf(cell);
    return n !== null && sameNumber(n, truth, decimalsOf(cell));
  }
  if (TIMESTAMP.test(truth) && typeof cell === 'string') {
    if (DATE_ONLY.test(cell.trim()) && cell.trim().length === 10) return cell.trim() === truth.slice(0, 10);
    const a = Date.parse(cell);
    return Number.isFinite(a) && Math.abs(a - Date.parse(truth)) < 1000;
  }
  return keyOf(cell) === keyOf(truth);
}

type Check = { ok: true } | { ok: false; why: string };
const fail = (why: string): Check => ({ ok: false, why });
const OK: Check = { ok: true };
const preview = (xs: unknown[], n = 6) =>
  xs.length > n ? `${JSON.stringify(xs.slice(0, n)).slice(0, -1)},… (${xs.length})]` : JSON.stringify(xs);

function check(e: Expectation, r: ResultBody): Check {
  const { columns, rows } = r;
  switch (e.shape) {
    case 'refuse':
      return fail('answered a question it should have refused');
    case 'count': {
      if (rows.length !== 1) return fail(`expected one row, got ${rows.length}`);
      const n = numberOf(rows[0][rows[0].length - 1]);
      return n === e.value ? OK : fail(`expected ${e.value}, got ${JSON.stringify(rows[0])}`);
    }
    case 'scalar': {
      if (rows.length !== 1) return fail(`expected one row, got ${rows.length}`);
      // The measure is the first numeric cell; supporting figures may follow ("failed", "total").
      const at = rows[0].findIndex((cell) => numberOf(cell) !== null || intervalHours(cell) !== null);
      if (at < 0) return fail(`no number in ${JSON.stringify(rows[0])}`);
      return sameMeasure(rows[0][at], columns[at] ?? '', e.value, e.unit)
        ? OK
        : fail(`expected ${e.value} (${e.unit}), got ${columns[at]}=${JSON.stringify(rows[0][at])}`);
    }
    case 'groups': {
      // The measure is the last column, or the first after the dimensions when supporting figures follow it.
      if (columns.length > e.dims + 1) {
        const first = check(e, {
          ...r,
          columns: columns.slice(0, e.dims + 1),
          rows: rows.map((row) => row.slice(0, e.dims + 1)),
        });
        if (first.ok) return first;
        const cut = (xs: unknown[]) => [...xs.slice(0, e.dims), xs[xs.length - 1]];
        return check(e, { ...r, columns: cut(columns).map(String), rows: rows.map(cut) });
      }
      if (columns.length !== e.dims + 1)
        return fail(`expected ${e.dims} dimension(s) + a measure, got ${preview(columns)}`);
      const got = new Map<string, unknown>();
      for (const row of rows) {
        const key = row.slice(0, e.dims).map(keyOf).join(' | ');
        if (got.has(key)) return fail(`group ${key} appears twice`);
        got.set(key, row[e.dims]);
      }
      const measure = columns[e.dims];
      for (const [key, value] of Object.entries(e.groups)) {
        if (!got.has(key)) {
          // A zero group, or the group of missing values ("no assignee"), may be left out.
          if (value === 0 || key.split(' | ').includes('null')) continue;
          return fail(`group ${key} (${value}) missing`);
        }
        if (!sameMeasure(got.get(key), measure, value, e.unit))
          return fail(`group ${key}: expected ${value}, got ${JSON.stringify(got.get(key))}`);
      }
      for (const [key, value] of got) {
        if (!(key in e.groups) && numberOf(value) !== 0)
          return fail(`unexpected group ${key} = ${JSON.stringify(value)}`);
      }
      return OK;
    }
    case 'list': {
      const col = idColumn(columns);
      const ids = new Set(rows.map((row) => keyOf(row[col])));
      const truth = new Set(e.ids.map(keyOf));
      const extra = [...ids].filter((id) => !truth.has(id));
      if (extra.length > 0) return fail(`${extra.length} not matching, e.g. ${preview(extra, 3)}`);
      if (r.truncated) return ids.size < truth.size ? OK : fail('truncated but complete?');
      const missing = [...truth].filter((id) => !ids.has(id));
      return missing.length === 0
        ? OK
        : fail(`${missing.length} of ${truth.size} missing, e.g. ${preview(missing, 3)}`);
    }
    case 'distinct': {
      const got = new Set(rows.map((row) => keyOf(row[0])).filter((k) => k !== 'null'));
      const truth = new Set(e.values.map(keyOf));
      const extra = [...got].filter((v) => !truth.has(v));
      const missing = [...truth].filter((v) => !got.has(v));
      if (extra.length === 0 && missing.length === 0 && (!r.truncated || got.size === truth.size)) return OK;
      return fail(`expected ${preview([...truth])}, got ${preview([...got])}`);
    }
    case 'lookup': {
      // One record by id is one row: the first of many rows could match by chance.
      if (rows.length !== 1) return fail(`expected one row, got ${rows.length}`);
      const col = columns.map(looseName).indexOf(looseName(e.field));
      const row = rows[0];
      const hit = col >= 0 ? sameValue(row[col], e.value) : row.some((cell) => sameValue(cell, e.value));
      return hit ? OK : fail(`expected ${e.field} = ${e.value}, got ${JSON.stringify(row)}`);
    }
    case 'argmax': {
      if (rows.length === 0) return fail('no rows');
      const first = keyOf(rows[0][0]);
      return e.keys.map(keyOf).includes(first) ? OK : fail(`expected ${preview(e.keys, 3)}, got ${first}`);
    }
    case 'top': {
      const col = idColumn(columns);
      const ids = rows.map((row) => String(row[col]));
      const candidates = Object.entries(e.scores).sort((a, b) =>
        e.order === 'desc' ? b[1] - a[1] : a[1] - b[1],
      );
      const n = Math.min(e.n, candidates.length);
      if (ids.length !== n) return fail(`expected ${n} rows, got ${ids.length}`);
      const boundary = candidates[n - 1][1];
      const better = (s: number) => (e.order === 'desc' ? s > boundary : s < boundary);
      const scores = ids.map((id) => e.scores[id]);
      if (scores.some((s) => s === undefined)) return fail(`not a candidate among ${preview(ids, 3)}`);
      if (scores.some((s) => !better(s) && s !== boundary))
        return fail(`not the ${e.order === 'desc' ? 'largest' : 'smallest'}: ${preview(ids)}`);
      const must = candidates.filter(([, s]) => better(s)).map(([id]) => id);
      if (must.some((id) => !ids.includes(id)))
        return fail(
          `missing ${preview(
            must.filter((id) => !ids.includes(id)),
            3,
          )}`,
        );
      const ordered = scores.every(
        (s, i) => i === 0 || (e.order === 'desc' ? scores[i - 1] >= s : scores[i - 1] <= s),
      );
      return ordered ? OK : fail('not in order');
    }
  }
}

function resultOf(body: unknown): ResultBody | null {
  if (!body || typeof body !== 'object') return null;
  const b = body as Partial<ResultBody>;
  if (!Array.isArray(b.columns) || !Array.isArray(b.rows)) return null;
  return { columns: b.columns.map(String), rows: b.rows, truncated: Boolean(b.truncated) };
}

function errorCode(body: unknown): string {
  const code = (body as { error?: { code?: unknown } } | null)?.error?.code;
  return typeof code === 'string' ? code : 'no error code';
}

export function grade(question: Pick<BankQuestion, 'expect'>, answer: HttpAnswer): Verdict {
  const mustRefuse = question.expect.some((e) => e.shape === 'refuse');
  if (answer.status === 422) {
    return mustRefuse ? { outcome: 'correct' } : { outcome: 'refused', detail: errorCode(answer.body) };
  }
  if (answer.status !== 200)
    return { outcome: 'error', detail: `HTTP ${answer.status} ${errorCode(answer.body)}` };
  const result = resultOf(answer.body);
  if (!result) return { outcome: 'error', detail: '200 without columns and rows' };
  const whys: string[] = [];
  for (const e of question.expect) {
    const c = check(e, result);
    if (c.ok) return { outcome: 'correct' };
    whys.push(c.why);
  }
  return { outcome: 'wrong', detail: whys.join(' / or: ') };
}
