import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { InsightMetricsService } from '../insight-metrics.service';
import { INSIGHT_ALERTS_QUEUE, type AlertJobData } from '../insights.constants';
import { InsightAlertsService } from '../webhooks/insight-alerts.service';

/** Webhook deliveries of high findings; BullMQ retries with backoff, the last failure counts as a dead letter. */
@Processor(INSIGHT_ALERTS_QUEUE, { concurrency: 4 })
export class InsightAlertJob extends WorkerHost {
  private readonly logger = new Logger(InsightAlertJob.name);

  constructor(
    private readonly alerts: InsightAlertsService,
    private readonly metrics: InsightMetricsService,
  ) {
    super();
  }

  async process(job: Job<AlertJobData>): Promise<{ delivered: number }> {
    const result = await this.alerts.deliver(job.data, job.id ?? job.data.insightId);
    if (result.delivered > 0) this.metrics.delivery(job.data.tenantId, 'delivered');
    return result;
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job<AlertJobData> | undefined, err: Error): void {
    if (!job) return;
    this.metrics.delivery(job.data.tenantId, 'failed');
    if (job.attemptsMade >= (job.opts.attempts ?? 1)) {
      this.metrics.deadLetter(job.data.tenantId);
      this.logger.warn(
        `Insight alert ${job.data.insightId} dead-lettered after ${job.attemptsMade} attempts: ${err.message}`,
      );
    }
  }

  @OnWorkerEvent('error')
  onError(err: Error): void {
    this.logger.warn(`Insight alert worker: ${err.message}`);
  }
}
