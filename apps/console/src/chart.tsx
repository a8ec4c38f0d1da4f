import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { chartShape } from './chart-shape';
import { cellText } from './table';

const text = cellText;

/** Line over time buckets (uPlot), bars for one dimension, a big number for a single value. */
export function Chart({ columns, rows }: { columns: string[]; rows: unknown[][] }) {
  const shape = chartShape(columns, rows);
  switch (shape.kind) {
    case 'number':
      return (
        <figure class="big-number" data-chart="number">
          <div class="value">{shape.value.toLocaleString()}</div>
          <figcaption>{shape.label}</figcaption>
        </figure>
      );
    case 'bar': {
      const li = columns.indexOf(shape.label);
      const vi = columns.indexOf(shape.value);
      const max = Math.max(...rows.map((r) => Number(r[vi]) || 0), 1);
      return (
        <figure class="bars" data-chart="bar" aria-label={`${shape.value} by ${shape.label}`}>
          {rows.slice(0, 30).map((r, i) => (
            <div class="bar-row" key={i}>
              <span class="bar-label">{text(r[li])}</span>
              <span class="bar-track">
                <span class="bar" style={{ width: `${(100 * (Number(r[vi]) || 0)) / max}%` }} />
              </span>
              <span class="bar-value">{text(r[vi])}</span>
            </div>
          ))}
          <figcaption>
            {shape.value} by {shape.label}
          </figcaption>
        </figure>
      );
    }
    case 'line':
      return <LineChart columns={columns} rows={rows} x={shape.x} series={shape.series} />;
    case 'none':
      return null;
  }
}

function LineChart(props: { columns: string[]; rows: unknown[][]; x: string; series: string[] }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const xi = props.columns.indexOf(props.x);
    const sorted = [...props.rows].sort((a, b) => Date.parse(text(a[xi])) - Date.parse(text(b[xi])));
    const data: uPlot.AlignedData = [
      sorted.map((r) => Date.parse(text(r[xi])) / 1000),
      ...props.series.map((s) => {
        const i = props.columns.indexOf(s);
        return sorted.map((r) => (r[i] === null ? null : Number(r[i])));
      }),
    ];
    const colors = ['#2563eb', '#dc2626', '#16a34a', '#9333ea'];
    const plot = new uPlot(
      {
        width: Math.min(el.current.clientWidth || 640, 900),
        height: 260,
        series: [
          { label: props.x },
          ...props.series.map((s, i) => ({ label: s, stroke: colors[i % 4], width: 2 })),
        ],
        axes: [{ label: props.x }, { label: props.series.join(', ') }],
      },
      data,
      el.current,
    );
    return () => plot.destroy();
  }, [props.columns, props.rows, props.x, props.series]);
  return <div class="line" data-chart="line" ref={el} />;
}
