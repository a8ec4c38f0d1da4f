import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Inject, Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { SemanticModule, SqlModule } from '@app/ai';
import { AppConfig } from '@app/config';
import { RedisService } from '@app/database';
import { EgressModule } from '@app/egress';
import { BacklogForecastService } from './forecast/backlog-forecast.service';
import { InsightDetectionService } from './insight-detection.service';
import { InsightMetricsService } from './insight-metrics.service';
import { InsightsController } from './insights.controller';
import { INSIGHT_ALERTS_QUEUE, INSIGHTS_QUEUE } from './insights.constants';
import { InsightsRepository } from './insights.repository';
import { InsightsSchedulerService } from './insights-scheduler.service';
import { InsightsService } from './insights.service';
import { InsightAlertJob } from './jobs/insight-alert.job';
import { InsightsJob } from './jobs/insights.job';
import { MetricSeriesService } from './series/metric-series.service';
import { SnapshotSeriesService } from './series/snapshot-series.service';
import { InsightSnapshotsRepository } from './insight-snapshots.repository';
import { InsightAlertsService } from './webhooks/insight-alerts.service';
import { WebhookSenderService } from './webhooks/webhook-sender.service';

const ROLE = Symbol('INSIGHTS_ROLE');
type Role = { http: boolean; workers: boolean };

const queue = (name: string) =>
  BullModule.registerQueueAsync({
    name,
    inject: [AppConfig, RedisService],
    useFactory: (config: AppConfig, redis: RedisService) => ({
      connection: redis.queueConnection(),
      prefix: `${config.redis.prefix}:bull`,
    }),
  });

/**
 * Insights: metric series from the semantic model (through @app/ai's compiler, guard and executor; @app/ai does
 * not depend on this module), robust anomaly detection, the findings API, scheduled runs on the worker role and
 * webhook alerts. Needs the global Config, Database, Tenancy, Integrations and Metrics modules.
 */
@Module({})
export class InsightsModule implements OnApplicationBootstrap {
  private readonly logger = new Logger(InsightsModule.name);

  constructor(
    private readonly scheduler: InsightsSchedulerService,
    @Inject(ROLE) private readonly role: Role,
  ) {}

  static forRole(opts: Role): DynamicModule {
    return {
      module: InsightsModule,
      imports: [SqlModule, SemanticModule, EgressModule, queue(INSIGHTS_QUEUE), queue(INSIGHT_ALERTS_QUEUE)],
      controllers: opts.http ? [InsightsController] : [],
      providers: [
        { provide: ROLE, useValue: opts },
        InsightsRepository,
        InsightMetricsService,
        MetricSeriesService,
        InsightSnapshotsRepository,
        SnapshotSeriesService,
        InsightDetectionService,
        InsightsService,
        InsightsSchedulerService,
        WebhookSenderService,
        InsightAlertsService,
        BacklogForecastService,
        ...(opts.workers ? [InsightsJob, InsightAlertJob] : []),
      ],
      exports: [InsightsService, InsightDetectionService, WebhookSenderService],
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.role.workers) return;
    await this.scheduler.start().catch((err: unknown) => {
      // Redis down at boot: the sweep starts with the next worker that boots; detection on refresh still works.
      this.logger.warn(`Insights sweep not scheduled: ${String(err)}`);
    });
  }
}
