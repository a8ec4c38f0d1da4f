import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { AnswerColumn } from './api';
import { chartShape } from './chart-shape';
import { formatTime, formatValue, titleOf } from './format';
import { cellText } from './table';

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea'];
const COUNT_STEPS = [1, 2, 5]
  .flatMap((m) => [1, 10, 100, 1e3, 1e4, 1e5, 1e6].map((p) => m * p))
  .sort((a, b) => a - b);

/**
 * Line over time buckets (uPlot), bars for one dimension, a big number for a single value; titles and value
 * formats come from the answer's column meanings (the semantic model), else from the column names.
 */
export function Chart(props: { columns: string[]; rows: unknown[][]; columnInfo?: AnswerColumn[] }) {
  const { rows } = props;
  const { shape, columns } = chartShape(props.columns, rows, props.columnInfo);
  const at = (c: AnswerColumn) => columns.indexOf(c);
  switch (shape.kind) {
    case 'number':
      return (
        <figure class="big-number" data-chart="number">
          <div class="value">{formatValue(rows[0][0], shape.value)}</div>
          <figcaption>{titleOf(shape.value)}</figcaption>
        </figure>
      );
    case 'bar': {
      const li = at(shape.label);
      const vi = at(shape.value);
      const max = Math.max(...rows.map((r) => Number(r[vi]) || 0), 1);
      const caption = `${titleOf(shape.value)} by ${shape.label.label.toLowerCase()}`;
      return (
        <figure class="bars" data-chart="bar" aria-label={caption}>
          <div class="bar-head" aria-hidden="true">
            <span class="bar-label">{shape.label.label}</span>
            <span class="bar-value">{titleOf(shape.value)}</span>
          </div>
          {rows.slice(0, 30).map((r, i) => (
            <div class="bar-row" key={i}>
              <span class="bar-label">{cellText(r[li])}</span>
              <span class="bar-track">
                <span class="bar" style={{ width: `${(100 * (Number(r[vi]) || 0)) / max}%` }} />
              </span>
              <span class="bar-value">{formatValue(r[vi], shape.value)}</span>
            </div>
          ))}
          <figcaption>{caption}</figcaption>
        </figure>
      );
    }
    case 'line':
      return (
        <LineChart
          rows={rows}
          x={at(shape.x)}
          xColumn={shape.x}
          series={shape.series.map((c) => [c, at(c)])}
        />
      );
    case 'none':
      return null;
  }
}

function LineChart(props: {
  rows: unknown[][];
  x: number;
  xColumn: AnswerColumn;
  series: [AnswerColumn, number][];
}) {
  const el = useRef<HTMLDivElement>(null);
  const { rows, x, xColumn } = props;
  const series = props.series.map(([c]) => c);
  // Redrawn when the answer changes, not on every render (the column objects are rebuilt each time).
  const key = JSON.stringify([x, xColumn, props.series]);
  useEffect(() => {
    if (!el.current) return;
    const sorted = [...rows].sort((a, b) => Date.parse(cellText(a[x])) - Date.parse(cellText(b[x])));
    const data: uPlot.AlignedData = [
      sorted.map((r) => Date.parse(cellText(r[x])) / 1000),
      ...props.series.map(([, i]) => sorted.map((r) => (r[i] === null ? null : Number(r[i])))),
    ];
    const grain = xColumn.role === 'time' ? xColumn.unit : null;
    const first = series[0];
    const plot = new uPlot(
      {
        width: Math.min(el.current.clientWidth || 640, 900),
        height: 260,
        series: [
          { label: xColumn.label, value: (_u, v) => (v == null ? '' : formatTime(v * 1000, grain)) },
          ...series.map((s, i) => ({
            label: s.label,
            stroke: COLORS[i % COLORS.length],
            width: 2,
            value: (_u: uPlot, v: number | null) => (v == null ? '' : formatValue(v, s)),
          })),
        ],
        axes: [
          { label: xColumn.label, values: (_u, ticks) => ticks.map((t) => formatTime(t * 1000, grain)) },
          {
            label: series.length === 1 ? titleOf(first) : series.map(titleOf).join(', '),
            values: (_u, ticks) => ticks.map((t) => formatValue(t, first)),
            // Counts step by whole numbers, so no two ticks round to the same label.
            ...(first.unit === 'count' ? { incrs: COUNT_STEPS } : {}),
            size: 60,
          },
        ],
      },
      data,
      el.current,
    );
    return () => plot.destroy();
  }, [rows, key]);
  const caption = `${series.map(titleOf).join(', ')} by ${xColumn.label.toLowerCase()}`;
  return (
    <figure class="line-chart">
      <div class="line" data-chart="line" ref={el} />
      <figcaption>{caption}</figcaption>
    </figure>
  );
}
