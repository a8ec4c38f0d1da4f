import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/config';
import {
  continuesFinding,
  detectAnomaly,
  explainedBy,
  type FindingPlace,
} from './detection/anomaly-detector';
import { summarize } from './detection/finding-summary';
import { HolidayCalendar } from './detection/holiday-calendar';
import { InsightMetricsService } from './insight-metrics.service';
import { InsightsRepository, type InsightRow, type InsightWrite } from './insights.repository';
import {
  DEFAULT_DETECTION_OPTIONS,
  type DetectionOptions,
  type Grain,
  type MetricSeries,
} from './insights.types';
import { MetricSeriesService, periodFloor } from './series/metric-series.service';
import { SnapshotSeriesService } from './series/snapshot-series.service';
import { InsightAlertsService } from './webhooks/insight-alerts.service';

const DAY_MS = 86_400_000;
const PERIOD_MS: Record<Grain, number> = { day: DAY_MS, week: 7 * DAY_MS };

export interface DetectionRun {
  /** Readings of the snapshot metrics (WIP, its age) recorded by this run. */
  readings: number;
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
  private readonly holidays: HolidayCalendar;

  constructor(
    private readonly config: AppConfig,
    private readonly series: MetricSeriesService,
    private readonly snapshots: SnapshotSeriesService,
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
    this.holidays = new HolidayCalendar(c.holidays);
  }

  /** The reference time: QUERY_FIXED_NOW for demos over static data, else the clock. */
  now(): Date {
    return this.config.query.fixedNow ?? new Date();
  }

  async run(tenantId: string, now = this.now()): Promise<DetectionRun> {
    const o = this.options;
    const earliest = new Date(periodFloor(now, 'week').getTime() - (o.maxShiftPeriods + 2) * PERIOD_MS.week);
    const recent = await this.repository.recent(tenantId, earliest);
    // Today's WIP readings first: the data keeps no status history, so these are the only WIP history there is.
    const result: DetectionRun = {
      readings: await this.snapshots.record(tenantId, now),
      series: 0,
      findings: 0,
      created: 0,
    };
    // Findings that may make a new one redundant: earlier runs' and this run's. Weekly series go first so a
    // daily finding inside a weekly one is recognised; dimension values before the overall series likewise.
    const known: FindingPlace[] = [...recent];
    for (const metric of this.series.metrics) {
      const grains = [...metric.grains].sort((a, b) => (a === b ? 0 : a === 'week' ? -1 : 1));
      for (const grain of grains) {
        const end = periodFloor(now, grain);
        const periods = grain === 'week' ? o.baseline.week + o.maxShiftPeriods : o.baseline.day + 1;
        const window = { start: new Date(end.getTime() - periods * PERIOD_MS[grain]), end };
        const all = metric.snapshot
          ? await this.snapshots.build({ tenantId, metric, grain, now, periods, minVolume: o.minVolume })
          : await this.series.series({ tenantId, metric, grain, window, minVolume: o.minVolume });
        result.series += all.length;
        const ordered = [...all].sort((a, b) => Number(a.dimension === null) - Number(b.dimension === null));
        for (const s of ordered) {
          const row = await this.record(tenantId, s, recent, known, now);
          if (!row) continue;
          known.push(row.row);
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
    known: readonly FindingPlace[],
    now: Date,
  ): Promise<{ row: InsightRow; created: boolean } | null> {
    const detection = detectAnomaly(this.holidays.mark(s), this.options);
    if (!detection) return null;
    const place: FindingPlace = {
      metric: s.metric,
      grain: s.grain,
      dimensionName: s.dimension?.name ?? '',
      dimensionValue: s.dimension?.value ?? '',
      direction: detection.direction,
      windowStart: detection.windowStart,
      windowEnd: detection.windowEnd,
    };
    if (explainedBy(place, known)) return null;
    const metric = this.series.metric(s.metric)!;
    const baselineStart = new Date(
      Date.parse(detection.windowStart) - this.options.baseline[s.grain] * PERIOD_MS[s.grain],
    );
    // The finding is written at its place, with its evidence.
    const write: InsightWrite = {
      tenantId,
      ...place,
      kind: detection.kind,
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
        now,
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
