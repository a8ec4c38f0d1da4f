import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiFailure, type AnswerColumn } from './api';
import { formatTime, formatValue } from './format';

export interface Insight {
  id: string;
  metric: string;
  dimension: { name: string; value: string } | null;
  grain: 'day' | 'week';
  kind: string;
  window: { start: string; end: string };
  direction: 'up' | 'down';
  observed: number;
  expected: { value: number; low: number; high: number };
  severity: 'low' | 'medium' | 'high';
  summary: string;
  evidenceSql: string;
  detectedAt: string;
  status: 'open' | 'dismissed';
}

/** The watched metrics (libs/insights/src/series/insight-metric.ts): label, unit, and the question that charts them. */
const METRICS: Record<string, { label: string; unit: string; ask: string }> = {
  deployment_frequency: { label: 'Deployment frequency', unit: 'count', ask: 'Deployment frequency' },
  change_failure_rate: { label: 'Change failure rate', unit: 'ratio', ask: 'Change failure rate' },
  throughput: { label: 'Throughput', unit: 'count', ask: 'Throughput' },
  merged_pr_throughput: { label: 'Merged pull requests', unit: 'count', ask: 'Merged pull requests' },
  cycle_time_median: { label: 'Median cycle time', unit: 'hours', ask: 'Median cycle time' },
  cycle_time_p90: { label: 'p90 cycle time', unit: 'hours', ask: 'p90 cycle time' },
  time_to_merge_median: { label: 'Median time to merge', unit: 'hours', ask: 'Median time to merge' },
  pr_size_median: { label: 'Median pull request size', unit: 'lines', ask: 'Median pull request size' },
};

const metricOf = (id: string) => METRICS[id] ?? { label: id, unit: 'count', ask: id };
const valueColumn = (i: Insight): AnswerColumn => ({
  name: i.metric,
  label: metricOf(i.metric).label,
  unit: metricOf(i.metric).unit,
  role: 'measure',
});

/** The question that charts the finding's series in Ask: same metric, grain and service/project/repository. */
export function questionFor(i: Insight): string {
  const where = i.dimension ? ` for ${i.dimension.name} ${i.dimension.value}` : '';
  return `${metricOf(i.metric).ask} per ${i.grain}${where}`;
}

function windowText(i: Insight): string {
  const start = Date.parse(i.window.start);
  const last = Date.parse(i.window.end) - 1;
  const days = (last - start) / 86_400_000;
  if (i.grain === 'week' && days < 7) return `week of ${formatTime(start, 'day')}`;
  if (i.grain === 'day' && days < 1) return formatTime(start, 'day');
  return `${formatTime(start, 'day')} – ${formatTime(last, 'day')}`;
}

/** Observed value against the usual range: the band is the range, the tick the usual value, the dot the observed. */
function RangeBar({ insight }: { insight: Insight }) {
  const { observed, expected } = insight;
  const lo = Math.min(observed, expected.low, 0);
  const hi = Math.max(observed, expected.high) * 1.1 || 1;
  const pct = (v: number) => `${(100 * (v - lo)) / (hi - lo)}%`;
  const col = valueColumn(insight);
  return (
    <div
      class="range"
      role="img"
      aria-label={`observed ${formatValue(observed, col)}, usual range ${formatValue(expected.low, col)} to ${formatValue(expected.high, col)}`}
    >
      <span
        class="range-band"
        style={{ left: pct(expected.low), width: `calc(${pct(expected.high)} - ${pct(expected.low)})` }}
      />
      <span class="range-usual" style={{ left: pct(expected.value) }} />
      <span class={`range-observed ${insight.direction}`} style={{ left: pct(observed) }} />
    </div>
  );
}

type StatusFilter = 'open' | 'dismissed' | 'all';

/** Keeps polling after a refresh for this long: detection runs on the workers and reports nothing back. */
const REFRESH_WATCH_MS = 60_000;
const REFRESH_POLL_MS = 2_000;

/** The tenant's insights (GET /v1/ai/insights): filters, dismiss, ask about one, and a refresh that runs detection. */
export function Insights({ onAsk }: { onAsk: (question: string) => void }) {
  const [insights, setInsights] = useState<Insight[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [severity, setSeverity] = useState('');
  const [metric, setMetric] = useState('');
  const [status, setStatus] = useState<StatusFilter>('open');
  const [refresh, setRefresh] = useState<{ started: number; elapsed: number; before: string } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const filters = useRef({ severity, metric });
  filters.current = { severity, metric };

  const load = async (): Promise<Insight[] | null> => {
    const q = new URLSearchParams();
    if (filters.current.severity) q.set('severity', filters.current.severity);
    if (filters.current.metric) q.set('metric', filters.current.metric);
    try {
      const list = (await api<{ insights: Insight[] }>('GET', `/v1/ai/insights?${q.toString()}`)).insights;
      setInsights(list);
      setError(null);
      return list;
    } catch (err) {
      setError(err instanceof ApiFailure ? err.body.error.message : String(err));
      return null;
    }
  };

  useEffect(() => {
    void load();
  }, [severity, metric]);

  const fingerprint = (list: Insight[] | null) =>
    JSON.stringify((list ?? []).map((i) => [i.id, i.detectedAt, i.observed]));

  useEffect(() => {
    if (!refresh) return;
    const timer = setInterval(() => {
      void load().then((list) => {
        const elapsed = Date.now() - refresh.started;
        if (list && fingerprint(list) !== refresh.before) {
          setRefresh(null);
          setNotice('Detection finished: the list is up to date.');
        } else if (elapsed >= REFRESH_WATCH_MS) {
          setRefresh(null);
          setNotice('Detection found nothing new so far; findings appear here when the workers finish.');
        } else setRefresh((r) => (r ? { ...r, elapsed } : r));
      });
    }, REFRESH_POLL_MS);
    return () => clearInterval(timer);
  }, [refresh?.started]);

  const runRefresh = async () => {
    setNotice(null);
    try {
      await api('POST', '/v1/ai/insights/refresh');
      setRefresh({ started: Date.now(), elapsed: 0, before: fingerprint(insights) });
    } catch (err) {
      setError(err instanceof ApiFailure ? err.body.error.message : String(err));
    }
  };

  const dismiss = async (i: Insight) => {
    try {
      const updated = await api<Insight>('POST', `/v1/ai/insights/${encodeURIComponent(i.id)}/dismiss`);
      setInsights((list) => (list ?? []).map((x) => (x.id === updated.id ? updated : x)));
    } catch (err) {
      setError(err instanceof ApiFailure ? err.body.error.message : String(err));
    }
  };

  const shown = (insights ?? []).filter((i) => status === 'all' || i.status === status);

  return (
    <section aria-labelledby="insights-title">
      <h2 id="insights-title">Insights</h2>
      <div class="insight-tools">
        <label>
          Severity{' '}
          <select
            id="insight-severity"
            value={severity}
            onChange={(e) => setSeverity((e.target as HTMLSelectElement).value)}
          >
            <option value="">any</option>
            <option value="high">high</option>
            <option value="medium,high">medium or high</option>
            <option value="low">low</option>
          </select>
        </label>
        <label>
          Metric{' '}
          <select
            id="insight-metric"
            value={metric}
            onChange={(e) => setMetric((e.target as HTMLSelectElement).value)}
          >
            <option value="">any</option>
            {Object.entries(METRICS).map(([id, m]) => (
              <option key={id} value={id}>
                {m.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status{' '}
          <select
            id="insight-status"
            value={status}
            onChange={(e) => setStatus((e.target as HTMLSelectElement).value as StatusFilter)}
          >
            <option value="open">open</option>
            <option value="dismissed">dismissed</option>
            <option value="all">all</option>
          </select>
        </label>
        <button type="button" class="refresh" onClick={() => void runRefresh()} disabled={refresh !== null}>
          {refresh ? 'Detection running…' : 'Refresh'}
        </button>
      </div>
      <p class="meta" aria-live="polite">
        {refresh
          ? `Detection queued on the workers ${Math.round(refresh.elapsed / 1000)} s ago; checking for new findings…`
          : notice}
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {insights && shown.length === 0 && (
        <div class="card empty">
          <p>
            <strong>No {status === 'all' ? '' : `${status} `}insights.</strong> Insights are unusual changes
            Pulse AI finds in your metrics (deployment frequency, change failure rate, throughput, cycle time,
            time to merge, pull request size): a week or day well outside the usual range for the whole tenant
            or for one service, project or repository.
          </p>
          <p>
            Detection runs on a schedule and after data loads; <em>Refresh</em> runs it now. Series need a few
            weeks of history before anything counts as unusual.
          </p>
        </div>
      )}
      <ul class="insights">
        {shown.map((i) => {
          const col = valueColumn(i);
          return (
            <li key={i.id} class={`card insight ${i.status}`} data-insight={i.id}>
              <p class="insight-head">
                <span class={`severity ${i.severity}`}>{i.severity}</span> <strong>{col.label}</strong>
                {i.dimension && (
                  <span class="insight-dimension">
                    {' '}
                    · {i.dimension.name} {i.dimension.value}
                  </span>
                )}{' '}
                <span class="meta">· {windowText(i)}</span>
                {i.status === 'dismissed' && <span class="meta"> · dismissed</span>}
              </p>
              <p class="insight-summary">{i.summary}</p>
              <p class="insight-figures">
                Observed <strong>{formatValue(i.observed, col)}</strong> ({i.direction === 'up' ? '↑' : '↓'})
                · usual {formatValue(i.expected.value, col)} (range {formatValue(i.expected.low, col)} –{' '}
                {formatValue(i.expected.high, col)})
              </p>
              <RangeBar insight={i} />
              <details>
                <summary>Evidence SQL</summary>
                <pre>{i.evidenceSql}</pre>
              </details>
              <p class="insight-actions">
                <button type="button" class="ask" onClick={() => onAsk(questionFor(i))}>
                  Ask: {questionFor(i)}
                </button>
                {i.status === 'open' && (
                  <button type="button" class="dismiss secondary" onClick={() => void dismiss(i)}>
                    Dismiss
                  </button>
                )}
              </p>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
