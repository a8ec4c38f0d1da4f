import type { AnswerColumn } from './api';
import { columnsOf } from './format';

/** Which chart an answer gets, from its shape: time buckets → line, one dimension → bar, one value → number. */
export type ChartShape =
  | { kind: 'number'; value: AnswerColumn }
  | { kind: 'line'; x: AnswerColumn; series: AnswerColumn[] }
  | { kind: 'bar'; label: AnswerColumn; value: AnswerColumn }
  | { kind: 'none' };

const isNumber = (v: unknown) =>
  typeof v === 'number' || (typeof v === 'string' && v.trim() !== '' && !isNaN(Number(v)));
const isTime = (v: unknown) =>
  typeof v === 'string' && /^\d{4}-\d\d(-\d\d)?([T ][\d:.]+(Z|[+-]\d\d:?\d\d)?)?$/.test(v);

export function chartShape(
  names: string[],
  rows: unknown[][],
  info?: AnswerColumn[],
): { shape: ChartShape; columns: AnswerColumn[] } {
  const columns = columnsOf(names, rows, info, { isTime, isNumber });
  const numeric = names.map((_, i) => rows.every((r) => r[i] === null || isNumber(r[i])));
  const measures = columns.filter((c, i) => c.role === 'measure' && numeric[i]);
  const none = { shape: { kind: 'none' } as const, columns };
  if (rows.length === 0 || measures.length === 0) return none;
  if (rows.length === 1 && columns.length === 1)
    return { shape: { kind: 'number', value: measures[0] }, columns };
  const time = columns.find((c, i) => c.role === 'time' && rows.every((r) => isTime(r[i])));
  const others = columns.filter((c) => c !== time && c.role !== 'measure');
  if (time && others.length === 0) {
    // One axis: the measures sharing the first one's unit (a rate's counts would flatten its line).
    const series = measures.filter((m) => m.unit === measures[0].unit);
    return { shape: { kind: 'line', x: time, series }, columns };
  }
  if (!time && others.length === 1 && columns.length >= 2) {
    return { shape: { kind: 'bar', label: others[0], value: measures[0] }, columns };
  }
  return none;
}
