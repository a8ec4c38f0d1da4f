import type { InsightMetric } from '../series/insight-metric';
import type { Detection, Grain, InsightDimension } from '../insights.types';

const dayMonth = (iso: string) =>
  new Date(iso).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
const weekdayDayMonth = (iso: string) =>
  new Date(iso).toLocaleDateString('en-GB', {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    timeZone: 'UTC',
  });

/** Rounds for reading: whole numbers from 10 up, one decimal below. */
function plain(v: number): string {
  const r = Math.abs(v) >= 10 ? Math.round(v) : Math.round(v * 10) / 10;
  return r.toLocaleString('en-US');
}

export function formatValue(metric: InsightMetric, v: number): string {
  switch (metric.kind) {
    case 'rate':
      return `${Math.round(v * 100)}%`;
    case 'count':
      return plain(v);
    case 'duration':
    case 'size':
    case 'level':
      return `${plain(v)} ${metric.unit ?? ''}`.trim();
  }
}

function formatRange(metric: InsightMetric, low: number, high: number): string {
  if (metric.kind === 'rate') return `${Math.round(low * 100)}–${Math.round(high * 100)}%`;
  const unit = metric.kind === 'count' ? '' : ` ${metric.unit ?? ''}`;
  return `${plain(low)}–${plain(high)}${unit}`.trimEnd();
}

function when(grain: Grain, d: Detection): string {
  if (d.kind === 'level_shift') return `since the week of ${dayMonth(d.windowStart)}`;
  return grain === 'day'
    ? `on ${weekdayDayMonth(d.windowStart)}`
    : `in the week of ${dayMonth(d.windowStart)}`;
}

/**
 * One sentence a person can act on: "Change failure rate for payments-api rose to 38% in the week of 30 Nov,
 * against a usual 6–11%; 5 of 13 production deployments failed or were rolled back."
 */
export function summarize(
  metric: InsightMetric,
  grain: Grain,
  dimension: InsightDimension | null,
  d: Detection,
): string {
  // A snapshot metric (WIP) is a level, not events per period: a weekly value is the mean of the daily readings.
  const subject = !dimension
    ? metric.label
    : metric.snapshot
      ? `${metric.label} in ${dimension.name} ${dimension.value}`
      : `${metric.label} for ${dimension.value}`;
  const per = metric.snapshot
    ? grain === 'week'
      ? ' on average'
      : ''
    : metric.kind === 'count'
      ? ` per ${grain}`
      : '';
  const verb =
    d.kind === 'level_shift'
      ? `has been ${d.direction === 'up' ? 'up' : 'down'} at ${formatValue(metric, d.observed)}${per}`
      : `${d.direction === 'up' ? 'rose' : 'fell'} to ${formatValue(metric, d.observed)}${metric.snapshot ? per : ''}`;
  const usual = `against a usual ${formatRange(metric, d.expected.low, d.expected.high)}${metric.snapshot ? '' : per}`;
  let tail = '';
  if (metric.kind === 'rate' && d.numerator !== undefined) {
    tail = `; ${d.numerator} of ${d.volume} ${metric.volumeNoun} ${metric.numeratorPhrase ?? ''}`.trimEnd();
  } else if (metric.kind !== 'count' && metric.kind !== 'level') {
    tail = `; ${d.volume} ${metric.volumeNoun}${metric.snapshot && grain === 'week' ? ' on average' : ''}`;
  }
  return `${subject} ${verb} ${when(grain, d)}, ${usual}${tail}.`;
}
