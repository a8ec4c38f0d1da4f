import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { AppConfig } from '@app/config';
import { IntegrationsService } from '@app/integrations';
import { INSIGHT_ALERTS_QUEUE, type AlertJobData } from '../insights.constants';
import { InsightsRepository, type InsightRow } from '../insights.repository';
import { toInsightDto } from '../dto/insight.dto';
import { WebhookSenderService } from './webhook-sender.service';

/**
 * New high-severity findings go to the tenant's webhook integrations (kind "webhook": baseUrl is the URL, the
 * API key the signing secret) as signed JSON. One queued delivery per finding (the job id is the finding's),
 * retried with exponential backoff; a finding is marked alerted once every webhook took it.
 */
@Injectable()
export class InsightAlertsService {
  private readonly logger = new Logger(InsightAlertsService.name);

  constructor(
    @InjectQueue(INSIGHT_ALERTS_QUEUE) readonly queue: Queue<AlertJobData>,
    private readonly config: AppConfig,
    private readonly integrations: IntegrationsService,
    private readonly repository: InsightsRepository,
    private readonly sender: WebhookSenderService,
  ) {}

  async enqueue(row: InsightRow): Promise<void> {
    if (row.severity !== 'high' || row.status !== 'open' || row.alertedAt !== null) return;
    const { attempts, backoffMs } = this.config.insights.webhook;
    await this.queue.add(
      'deliver',
      { tenantId: row.tenantId, insightId: row.id },
      {
        jobId: `alert-${row.id}`,
        attempts,
        backoff: { type: 'exponential', delay: backoffMs },
        removeOnComplete: { age: 86_400 },
        removeOnFail: false,
      },
    );
  }

  /** Delivers one finding to every enabled webhook of its tenant; throws (for a retry) if any refused it. */
  async deliver(data: AlertJobData, deliveryId: string): Promise<{ delivered: number }> {
    const row = await this.repository.get(data.tenantId, data.insightId);
    if (!row || row.status !== 'open' || row.alertedAt !== null) return { delivered: 0 };
    const hooks = await this.integrations.resolveEnabled(data.tenantId, 'webhook');
    const payload = { type: 'insight.created', tenantId: data.tenantId, insight: toInsightDto(row) };
    let delivered = 0;
    for (const hook of hooks) {
      if (!hook.apiKey) {
        this.logger.warn(`Webhook integration "${hook.name}" has no secret; skipped`);
        continue;
      }
      await this.sender.send(
        { url: hook.baseUrl, secret: hook.apiKey },
        `${deliveryId}:${hook.name}`,
        payload,
      );
      delivered++;
    }
    await this.repository.markAlerted(data.tenantId, data.insightId);
    return { delivered };
  }
}
