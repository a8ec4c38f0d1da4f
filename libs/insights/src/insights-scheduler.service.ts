import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { AppConfig } from '@app/config';
import {
  DETECT_JOB,
  INSIGHTS_QUEUE,
  SWEEP_INTERVAL_MS,
  SWEEP_JOB,
  type DetectJobData,
} from './insights.constants';
import { InsightsRepository } from './insights.repository';
import { InsightsService } from './insights.service';

/**
 * Keeps one repeatable detection job per tenant (every INSIGHTS_INTERVAL_S) and queues an extra run for tenants
 * whose ETL batches wrote at least INSIGHTS_ETL_CHANGE_ROWS rows since the previous sweep. Detection jobs are
 * one per tenant on a queue worked in order, so a tenant with much data delays others by one run, not more.
 */
@Injectable()
export class InsightsSchedulerService {
  private readonly logger = new Logger(InsightsSchedulerService.name);
  private readonly scheduled = new Set<string>();

  constructor(
    private readonly config: AppConfig,
    private readonly repository: InsightsRepository,
    private readonly insights: InsightsService,
    @InjectQueue(INSIGHTS_QUEUE) private readonly queue: Queue<DetectJobData | Record<string, never>>,
  ) {}

  /** Starts the sweep (idempotent: one scheduler id, however many worker pods call it). */
  async start(): Promise<void> {
    await this.queue.upsertJobScheduler(
      'insights-sweep',
      { every: SWEEP_INTERVAL_MS },
      { name: SWEEP_JOB, data: {} },
    );
  }

  /** `since`: when the previous sweep ran (the job scheduler's previous run), else one interval ago. */
  async sweep(since: Date): Promise<{ scheduled: number; etlTriggered: number }> {
    const intervalS = this.config.insights.intervalS;
    let scheduled = 0;
    if (intervalS > 0) {
      for (const tenantId of await this.repository.tenantIds()) {
        if (this.scheduled.has(tenantId)) continue;
        await this.queue.upsertJobScheduler(
          `detect-${tenantId}`,
          { every: intervalS * 1000 },
          {
            name: DETECT_JOB,
            data: { tenantId, reason: 'schedule' },
            opts: { removeOnComplete: { age: 3600 } },
          },
        );
        this.scheduled.add(tenantId);
        scheduled++;
      }
    }
    const changed = await this.repository.tenantsWithEtlChanges(since, this.config.insights.etlChangeRows);
    for (const tenantId of changed) await this.insights.requestRun(tenantId, 'etl');
    if (scheduled || changed.length) {
      this.logger.log(
        `Insights sweep: ${scheduled} tenants scheduled, ${changed.length} runs after ETL changes`,
      );
    }
    return { scheduled, etlTriggered: changed.length };
  }
}
