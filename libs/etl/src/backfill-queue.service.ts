import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { withTimeout } from '@app/common';
import { BACKFILL_QUEUE, type BackfillJobData } from './queue.constants';

/** Enqueueing gives up after this long (Redis down): the caller answers 503 instead of hanging. */
const ENQUEUE_TIMEOUT_MS = 2000;

/**
 * The backfill queue: a tenant's re-embedding and the periodic reconcile pass. Real-time vectorization does not
 * go through Redis: it follows the database's change outbox (OutboxConsumerService).
 */
@Injectable()
export class BackfillQueueService {
  constructor(@InjectQueue(BACKFILL_QUEUE) readonly backfill: Queue<BackfillJobData>) {}

  async queueBackfill(data: BackfillJobData, jobId?: string): Promise<string> {
    const job = await withTimeout(
      this.backfill.add('backfill', data, { jobId, priority: 1 }),
      ENQUEUE_TIMEOUT_MS,
      'Redis',
    );
    return job.id!;
  }
}
