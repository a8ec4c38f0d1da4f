import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { InsightDetectionService, type DetectionRun } from '../insight-detection.service';
import {
  DETECT_JOB,
  INSIGHTS_QUEUE,
  SWEEP_INTERVAL_MS,
  SWEEP_JOB,
  type DetectJobData,
} from '../insights.constants';
import { InsightsSchedulerService } from '../insights-scheduler.service';

/** Detection runs (one tenant each, in queue order: fair across tenants) and the periodic sweep. */
@Processor(INSIGHTS_QUEUE, { concurrency: 1, lockDuration: 120_000 })
export class InsightsJob extends WorkerHost {
  private readonly logger = new Logger(InsightsJob.name);

  constructor(
    private readonly detection: InsightDetectionService,
    private readonly scheduler: InsightsSchedulerService,
  ) {
    super();
  }

  async process(
    job: Job<DetectJobData>,
  ): Promise<DetectionRun | { scheduled: number; etlTriggered: number }> {
    switch (job.name) {
      case DETECT_JOB:
        return this.detection.run(job.data.tenantId);
      case SWEEP_JOB:
        // A sweep looks back one interval plus slack; ETL batches seen twice collapse into one queued run.
        return this.scheduler.sweep(new Date(job.timestamp - SWEEP_INTERVAL_MS - 5_000));
      default:
        throw new Error(`Unknown insights job ${job.name}`);
    }
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job<DetectJobData> | undefined, err: Error): void {
    this.logger.warn(`Insights job ${job?.name ?? '?'} failed: ${err.message}`);
  }

  @OnWorkerEvent('error')
  onError(err: Error): void {
    this.logger.warn(`Insights worker: ${err.message}`);
  }
}
