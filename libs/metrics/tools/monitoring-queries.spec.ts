import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { AppConfig } from '@app/config';
import { RedisService } from '@app/database';
import { MetricsService } from '../src/metrics.service';
import { PerformanceStoreService } from '../src/performance-store.service';
import { loadManifests } from './validate-k8s';

const ROOT = path.resolve(__dirname, '../../..');
/** Series Prometheus itself makes; everything else must come from MetricsService. */
const PROMETHEUS_SERIES = new Set(['up']);

interface Panel {
  title: string;
  type: string;
  panels?: Panel[];
  targets?: { expr: string }[];
}

/** Metric names a PromQL expression selects; throws on a syntax error. */
function selectedMetrics(expr: string): string[] {
  // Grafana's interval variables stand where a duration must be.
  const promql = expr.replace(/\$__(rate_interval|interval|range)/g, '5m');
  const names: string[] = [];
  let syntaxError = false;
  parser.parse(promql).iterate({
    enter(node) {
      if (node.type.isError) syntaxError = true;
      if (node.name === 'VectorSelector') {
        const id = node.node.getChild('Identifier');
        if (id) names.push(promql.slice(id.from, id.to));
      }
    },
  });
  if (syntaxError) throw new Error(`PromQL syntax error in: ${expr}`);
  return names;
}

describe('dashboard and alert queries', () => {
  let redis: RedisService;
  /** Every series name the service exposes: histograms as _bucket/_sum/_count. */
  let series: Set<string>;
  let productMetrics: string[];

  beforeAll(async () => {
    const config = new AppConfig(process.env);
    redis = new RedisService(config);
    const metrics = new MetricsService(config, new PerformanceStoreService(redis));
    const families = await metrics.registry.getMetricsAsJSON();
    series = new Set(
      families.flatMap((f) =>
        String(f.type) === 'histogram' ? [`${f.name}_bucket`, `${f.name}_sum`, `${f.name}_count`] : [f.name],
      ),
    );
    // Default process metrics (pulse_process_*, pulse_nodejs_*) are charted selectively, product metrics all.
    productMetrics = families.map((f) => f.name).filter((name) => !/^pulse_(process_|nodejs_)/.test(name));
  });

  afterAll(() => redis.onModuleDestroy());

  const dashboard = JSON.parse(readFileSync(path.join(ROOT, 'deploy/grafana/pulse-ai.json'), 'utf8')) as {
    uid: string;
    panels: Panel[];
  };
  const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row');
  const dashboardExprs = panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ title: p.title, expr: t.expr })),
  );

  const rules = loadManifests(path.join(ROOT, 'deploy/k8s'))
    .manifests.filter((m) => m.object.kind === 'PrometheusRule')
    .flatMap(
      (m) =>
        (
          m.object.spec as {
            groups: { rules: { alert: string; expr: string; annotations: { runbook: string } }[] }[];
          }
        ).groups,
    )
    .flatMap((g) => g.rules);

  it('has a query in every panel', () => {
    expect(dashboard.uid).toBe('pulse-ai');
    expect(panels.length).toBeGreaterThan(10);
    expect(panels.filter((p) => !p.targets?.length)).toEqual([]);
  });

  it.each(dashboardExprs.map((q) => [q.title, q.expr]))(
    'panel "%s" parses and selects only metrics the service exposes',
    (_title, expr) => {
      const unknown = selectedMetrics(expr).filter(
        (name) => !series.has(name) && !PROMETHEUS_SERIES.has(name),
      );
      expect(unknown).toEqual([]);
    },
  );

  it.each(rules.map((r) => [r.alert, r.expr]))(
    'alert %s parses and selects only metrics the service exposes',
    (_alert, expr) => {
      expect(
        selectedMetrics(expr).filter((name) => !series.has(name) && !PROMETHEUS_SERIES.has(name)),
      ).toEqual([]);
    },
  );

  it('points every alert at a runbook section of docs/operations.md', () => {
    const doc = readFileSync(path.join(ROOT, 'docs/operations.md'), 'utf8');
    // GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.
    const anchors = new Set(
      [...doc.matchAll(/^#+ (.+)$/gm)].map((h) =>
        h[1]
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, '')
          .replace(/ /g, '-'),
      ),
    );
    const broken = rules
      .map((r) => ({ alert: r.alert, runbook: r.annotations.runbook }))
      .filter((r) => !r.runbook.startsWith('docs/operations.md#') || !anchors.has(r.runbook.split('#')[1]));
    expect(broken).toEqual([]);
  });

  it('charts every product metric the service records', () => {
    const charted = new Set(
      dashboardExprs
        .flatMap((q) => selectedMetrics(q.expr))
        .map((n) => n.replace(/_(bucket|sum|count)$/, '')),
    );
    expect(productMetrics.filter((name) => !charted.has(name))).toEqual([]);
  });

  it('rejects a query that names a metric the service does not expose', () => {
    expect(selectedMetrics('sum(rate(pulse_querys_total[5m]))').filter((n) => !series.has(n))).toEqual([
      'pulse_querys_total',
    ]);
    expect(() => selectedMetrics('sum(rate(pulse_queries_total[5m])')).toThrow(/syntax error/);
  });
});
