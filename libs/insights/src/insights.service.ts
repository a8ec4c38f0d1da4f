import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { ErrorCode } from '@app/common';
import { toInsightDto, type InsightDto, type ListInsightsQueryDto } from './dto/insight.dto';
import { DETECT_JOB, INSIGHTS_QUEUE, type DetectJobData } from './insights.constants';
import { InsightsException } from './insights.exception';
import { InsightsRepository } from './insights.repository';
import type { Severity } from './insights.types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The API side: a tenant's findings, dismissing one, and asking for a detection run. */
@Injectable()
export class InsightsService {
  constructor(
    private readonly repository: InsightsRepository,
    @InjectQueue(INSIGHTS_QUEUE) private readonly queue: Queue<DetectJobData>,
  ) {}

  async list(tenantId: string, q: ListInsightsQueryDto): Promise<InsightDto[]> {
    const rows = await this.repository.list(tenantId, {
      since: q.since ? new Date(q.since) : undefined,
      severities: q.severity ? (q.severity.split(',') as Severity[]) : undefined,
      metric: q.metric,
      limit: q.limit ?? 100,
    });
    return rows.map(toInsightDto);
  }

  async dismiss(tenantId: string, id: string): Promise<InsightDto> {
    if (!UUID.test(id)) throw new InsightsException(ErrorCode.VALIDATION_FAILED, 'Insight id must be a UUID');
    const row = await this.repository.dismiss(tenantId, id);
    if (!row) throw new InsightsException(ErrorCode.NOT_FOUND, 'Insight not found');
    return toInsightDto(row);
  }

  /**
   * Queues a detection run for the tenant on the workers. While one is waiting, asking again adds nothing
   * (deduplicated per tenant), so a burst of refreshes or ETL batches costs one run.
   */
  async requestRun(tenantId: string, reason: DetectJobData['reason']): Promise<void> {
    await this.queue.add(
      DETECT_JOB,
      { tenantId, reason },
      {
        deduplication: { id: `detect-${tenantId}` },
        removeOnComplete: { age: 3600 },
        removeOnFail: { age: 86_400 },
      },
    );
  }
}
