import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { BackfillService, type BackfillProgress } from '../backfill.service';
import { BACKFILL_QUEUE, type BackfillJobData } from '../queue.constants';

/** Backfills and the periodic reconciler: low priority, one at a time, progress reported on the job. */
@Processor(BACKFILL_QUEUE, { concurrency: 1, lockDuration: 30_000, stalledInterval: 10_000 })
export class BackfillJob extends WorkerHost {
  private readonly logger = new Logger(BackfillJob.name);

  constructor(private readonly backfill: BackfillService) {
    super();
  }

  process(job: Job<BackfillJobData>): Promise<BackfillProgress> {
    return this.backfill.run(
      { tenantId: job.data.tenantId, entities: job.data.entities, mode: job.data.mode },
      (progress) => job.updateProgress({ ...progress }),
    );
  }

  /** Connection trouble and lost locks surface here; without a listener Node would treat them as unhandled. */
  @OnWorkerEvent('error')
  onError(err: Error): void {
    this.logger.warn(`Backfill worker: ${err.message}`);
  }
}
