import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { continuesFinding, detectAnomaly } from './detection/anomaly-detector';
import { summarize } from './detection/finding-summary';
import { InsightMetricsService } from './insight-metrics.service';
import { InsightsRepository, type InsightRow, type InsightWrite } from './insights.repository';
import {
  DEFAULT_DETECTION_OPTIONS,
  type DetectionOptions,
  type Grain,
  type MetricSeries,
} from './insights.types';
import { MetricSeriesService, periodFloor } from './series/metric-series.service';
import { InsightAlertsService } from './webhooks/insight-alerts.service';

const DAY_MS = 86_400_000;
const PERIOD_MS: Record<Grain, number> = { day: DAY_MS, week: 7 * DAY_MS };

export interface DetectionRun {
  series: number;
  findings: number;
  created: number;
}

/**
 * One detection pass for one tenant: every watched metric's series up to the last complete period, the detector
 * on each, and the findings stored idempotently (same series and window start: updated; a continuation of an
 * earlier finding: that finding extended). New high findings are queued for the tenant's webhooks.
 */
@Injectable()
export class InsightDetectionService {
  private readonly logger = new Logger(InsightDetectionService.name);
  readonly options: DetectionOptions;

  constructor(
    private readonly config: AppConfig,
    private readonly series: MetricSeriesService,
    private readonly repository: InsightsRepository,
    private readonly metrics: InsightMetricsService,
    private readonly alerts: InsightAlertsService,
  ) {
    const c = config.insights;
    this.options = {
      ...DEFAULT_DETECTION_OPTIONS,
      threshold: c.threshold,
      highThreshold: c.highThreshold,
      dailyThreshold: c.dailyThreshold,
      minVolume: c.minVolume,
    };
  }

  /** The reference time: QUERY_FIXED_NOW for demos over static data, else the clock. */
  now(): Date {
    return this.config.query.fixedNow ?? new Date();
  }

  async run(tenantId: string, now = this.now()): Promise<DetectionRun> {
    const o = this.options;
    const earliest = new Date(periodFloor(now, 'week').getTime() - (o.maxShiftPeriods + 2) * PERIOD_MS.week);
    const recent = await this.repository.recent(tenantId, earliest);
    const result: DetectionRun = { series: 0, findings: 0, created: 0 };
    for (const metric of this.series.metrics) {
      for (const grain of metric.grains) {
        const end = periodFloor(now, grain);
        const periods = grain === 'week' ? o.baseline.week + o.maxShiftPeriods : o.baseline.day + 1;
        const window = { start: new Date(end.getTime() - periods * PERIOD_MS[grain]), end };
        const all = await this.series.series({ tenantId, metric, grain, window, minVolume: o.minVolume });
        result.series += all.length;
        for (const s of all) {
          const row = await this.record(tenantId, s, recent);
          if (!row) continue;
          result.findings++;
          if (row.created) {
            result.created++;
            this.metrics.finding(tenantId, row.row.severity, metric.id);
          }
          await this.alerts.enqueue(row.row);
        }
      }
    }
    return result;
  }

  private async record(
    tenantId: string,
    s: MetricSeries,
    recent: InsightRow[],
  ): Promise<{ row: InsightRow; created: boolean } | null> {
    const detection = detectAnomaly(s, this.options);
    if (!detection) return null;
    const metric = this.series.metric(s.metric)!;
    const baselineStart = new Date(
      Date.parse(detection.windowStart) - this.options.baseline[s.grain] * PERIOD_MS[s.grain],
    );
    const write: InsightWrite = {
      tenantId,
      metric: s.metric,
      grain: s.grain,
      dimensionName: s.dimension?.name ?? '',
      dimensionValue: s.dimension?.value ?? '',
      kind: detection.kind,
      windowStart: detection.windowStart,
      windowEnd: detection.windowEnd,
      direction: detection.direction,
      observed: detection.observed,
      expected: detection.expected.value,
      expectedLow: detection.expected.low,
      expectedHigh: detection.expected.high,
      deviations: detection.deviations,
      volume: detection.volume,
      severity: detection.severity,
      summary: summarize(metric, s.grain, s.dimension, detection),
      evidenceSql: this.series.evidenceSql(
        metric,
        s.grain,
        { start: baselineStart, end: new Date(detection.windowEnd) },
        s.dimension,
      ),
    };
    const earlier = recent.find(
      (r) =>
        r.metric === write.metric &&
        r.grain === write.grain &&
        r.dimensionName === write.dimensionName &&
        r.dimensionValue === write.dimensionValue &&
        r.windowStart !== write.windowStart &&
        continuesFinding(r, detection),
    );
    if (earlier) return { row: await this.repository.extend(tenantId, earlier.id, write), created: false };
    const { row, inserted } = await this.repository.upsert(write);
    return { row, created: inserted };
  }
}
