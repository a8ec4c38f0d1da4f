import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ENTITIES } from '@app/common';
import { AppConfig } from '@app/config';
import { VectorizeQueueService } from './vectorize-queue.service';

const SCHEDULER_ID = 'reconcile';

/**
 * Schedules the periodic reconciler on the backfill queue: it finds records whose vector is missing or stale
 * (jobs lost with a Redis restart, a crashed worker, a failed enqueue) and embeds them. One schedule per
 * deployment however many workers start (BullMQ job schedulers are idempotent by id).
 */
@Injectable()
export class ReconcilerService implements OnApplicationBootstrap {
  private readonly logger = new Logger(ReconcilerService.name);

  constructor(
    private readonly queue: VectorizeQueueService,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const seconds = this.config.queue.reconcileIntervalS;
    try {
      if (seconds === 0) {
        await this.queue.backfill.removeJobScheduler(SCHEDULER_ID);
        return;
      }
      await this.queue.backfill.upsertJobScheduler(
        SCHEDULER_ID,
        { every: seconds * 1000 },
        { name: SCHEDULER_ID, data: { entities: [...ENTITIES], mode: 'reconcile' }, opts: { priority: 10 } },
      );
    } catch (err) {
      this.logger.warn(`Reconciler not scheduled (Redis unavailable?): ${String(err)}`);
    }
  }

  /** Runs a reconcile pass now (admin action, tests). */
  async runNow(): Promise<string> {
    return this.queue.queueBackfill({ entities: [...ENTITIES], mode: 'reconcile' });
  }
}
