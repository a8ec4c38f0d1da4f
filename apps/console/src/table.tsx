import type { AnswerColumn } from './api';
import { formatTime } from './format';

/** A cell as text: Preact renders it escaped, never as HTML. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return v.toString();
  return JSON.stringify(v);
}

/**
 * Every cell is text (Preact escapes it), never HTML, and the API's value (time buckets as dates); headers are the
 * semantic model's labels when the answer has them (the column name stays in the tooltip and the CSV).
 */
export function Table({
  columns,
  rows,
  columnInfo,
}: {
  columns: string[];
  rows: unknown[][];
  columnInfo?: AnswerColumn[];
}) {
  const labels = columns.map((c, i) => (columnInfo?.[i]?.name === c ? columnInfo[i].label : c));
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th key={c} scope="col" title={c} data-column={c}>
                {labels[i]}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              {r.map((v, j) => {
                const info = columnInfo?.[j];
                // A time bucket reads as its date ("2026-03-02", "2026-03"); the exact instant stays in the tooltip.
                const bucket = info?.name === columns[j] && info.role === 'time' && info.unit !== null;
                const at = bucket ? Date.parse(cellText(v)) : NaN;
                return Number.isNaN(at) ? (
                  <td key={j}>{cellText(v)}</td>
                ) : (
                  <td key={j} title={cellText(v)}>
                    {formatTime(at, info!.unit)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** RFC 4180 CSV of the answer. */
export function toCsv(columns: string[], rows: unknown[][]): string {
  const cell = (v: unknown) => {
    const s = cellText(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [columns, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
