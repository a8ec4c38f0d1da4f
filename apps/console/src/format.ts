import type { AnswerColumn } from './api';
import { cellText } from './table';

const GRAINS = ['day', 'week', 'month', 'quarter', 'year'];
const DURATIONS: Record<string, string> = { minutes: 'min', hours: 'h', days: 'd' };

/**
 * The answer's column meanings: the API's when it sent them, otherwise the column names, with the role guessed
 * from the values (dates → time, numbers → measure) so the chart still works for SQL a model wrote.
 */
export function columnsOf(
  names: string[],
  rows: unknown[][],
  info: AnswerColumn[] | undefined,
  guess: { isTime: (v: unknown) => boolean; isNumber: (v: unknown) => boolean },
): AnswerColumn[] {
  if (info && info.length === names.length && info.every((c, i) => c.name === names[i])) return info;
  return names.map((name, i) => {
    const values = rows.map((r) => r[i]).filter((v) => v !== null && v !== undefined);
    const role =
      values.length > 0 && values.every(guess.isTime)
        ? 'time'
        : values.length > 0 && values.every(guess.isNumber)
          ? 'measure'
          : 'dimension';
    return { name, label: name, unit: null, role };
  });
}

/** Axis or caption title: the label, with the unit when the values alone do not say it. */
export function titleOf(c: AnswerColumn): string {
  if (c.unit === 'ratio') return `${c.label} (%)`;
  if (!c.unit || c.unit === 'count' || GRAINS.includes(c.unit)) return c.label;
  return `${c.label} (${c.unit})`;
}

const number = (v: number, digits: number) => v.toLocaleString('en-US', { maximumFractionDigits: digits });

/** A measure's value as a person reads it: counts as integers, rates as percentages, durations with their unit. */
export function formatValue(v: unknown, c: AnswerColumn): string {
  if (v === null || v === undefined || v === '') return '';
  const n = Number(v);
  if (Number.isNaN(n)) return cellText(v);
  switch (c.unit) {
    case 'count':
      return number(Math.round(n), 0);
    case 'ratio':
      return `${number(n * 100, 1)}%`;
    case null:
      return number(n, 2);
    default:
      return DURATIONS[c.unit] ? `${number(n, 1)} ${DURATIONS[c.unit]}` : number(n, 2);
  }
}

/** A time bucket as a date at its grain: 2026-03-02 (day, week), 2026-03 (month), 2026 Q1, 2026. */
export function formatTime(ms: number, grain: string | null): string {
  const d = new Date(ms);
  const iso = d.toISOString();
  switch (grain) {
    case 'month':
      return iso.slice(0, 7);
    case 'quarter':
      return `${d.getUTCFullYear()} Q${Math.floor(d.getUTCMonth() / 3) + 1}`;
    case 'year':
      return String(d.getUTCFullYear());
    case null:
    default:
      return iso.slice(0, 10);
  }
}
