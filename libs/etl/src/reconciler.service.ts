import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ENTITIES } from '@app/common';
import { AppConfig } from '@app/config';
import { BackfillQueueService } from './backfill-queue.service';

const SCHEDULER_ID = 'reconcile';

/**
 * Schedules the periodic reconciler on the backfill queue: it finds records whose vector is missing or stale
 * (jobs lost with a Redis restart, a crashed worker, a failed enqueue) and embeds them. One schedule per
 * deployment however many workers start (BullMQ job schedulers are idempotent by id).
 */
@Injectable()
export class ReconcilerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReconcilerService.name);
  private watchdog?: NodeJS.Timeout;

  constructor(
    private readonly queue: BackfillQueueService,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const seconds = this.config.queue.reconcileIntervalS;
    if (seconds === 0) {
      await this.queue.backfill.removeJobScheduler(SCHEDULER_ID).catch((err: unknown) => {
        this.logger.warn(`Reconciler not unscheduled (Redis unavailable?): ${String(err)}`);
      });
      return;
    }
    await this.ensureScheduled(seconds);
    // The schedule lives in Redis: a Redis restart without persistence (or a flush) loses it together with
    // the queued jobs, exactly when the reconciler is needed. Re-create it whenever it has gone missing.
    this.watchdog = setInterval(
      () => void this.ensureScheduled(seconds, true),
      Math.max(seconds, 5) * 1000,
    ).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.watchdog);
  }

  private async ensureScheduled(seconds: number, onlyIfMissing = false): Promise<void> {
    try {
      if (onlyIfMissing && (await this.queue.backfill.getJobScheduler(SCHEDULER_ID))) return;
      await this.queue.backfill.upsertJobScheduler(
        SCHEDULER_ID,
        { every: seconds * 1000 },
        { name: SCHEDULER_ID, data: { entities: [...ENTITIES], mode: 'reconcile' }, opts: { priority: 10 } },
      );
      if (onlyIfMissing) this.logger.warn('Reconciler schedule was missing from Redis; re-created it');
    } catch (err) {
      if (!onlyIfMissing) this.logger.warn(`Reconciler not scheduled (Redis unavailable?): ${String(err)}`);
    }
  }

  /** Runs a reconcile pass now (admin action, tests). */
  async runNow(): Promise<string> {
    return this.queue.queueBackfill({ entities: [...ENTITIES], mode: 'reconcile' });
  }
}
