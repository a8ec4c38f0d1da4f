/** Which chart an answer gets, from its shape alone. */
export type ChartShape =
  | { kind: 'number'; label: string; value: number }
  | { kind: 'line'; x: string; series: string[] }
  | { kind: 'bar'; label: string; value: string }
  | { kind: 'none' };

const isNumber = (v: unknown) =>
  typeof v === 'number' || (typeof v === 'string' && v.trim() !== '' && !isNaN(Number(v)));
const isTime = (v: unknown) =>
  typeof v === 'string' && /^\d{4}-\d\d(-\d\d)?([T ][\d:.]+(Z|[+-]\d\d:?\d\d)?)?$/.test(v);

export function chartShape(columns: string[], rows: unknown[][]): ChartShape {
  if (rows.length === 0) return { kind: 'none' };
  const numeric = columns.map((_, i) => rows.every((r) => r[i] === null || isNumber(r[i])));
  if (rows.length === 1 && columns.length === 1 && numeric[0]) {
    return { kind: 'number', label: columns[0], value: Number(rows[0][0]) };
  }
  if (columns.length >= 2 && rows.every((r) => isTime(r[0])) && numeric.slice(1).some(Boolean)) {
    return { kind: 'line', x: columns[0], series: columns.slice(1).filter((_, i) => numeric[i + 1]) };
  }
  if (columns.length === 2 && !numeric[0] && numeric[1]) {
    return { kind: 'bar', label: columns[0], value: columns[1] };
  }
  return { kind: 'none' };
}
