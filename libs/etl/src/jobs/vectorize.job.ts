import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Job } from 'bullmq';
import { RecordStore } from '../record-store';
import { VECTORIZE_QUEUE, type VectorizeJobData } from '../queue.constants';
import { VectorizeQueueService } from '../vectorize-queue.service';
import { VectorizeService, type VectorizeOutcome } from '../vectorize.service';

/** Real-time vectorization of freshly ingested records. */
// A short lock: a killed worker's job is taken over within seconds, not the default 30 s.
@Processor(VECTORIZE_QUEUE, { concurrency: 2, lockDuration: 10_000, stalledInterval: 5_000 })
export class VectorizeJob extends WorkerHost implements OnModuleDestroy {
  private readonly logger = new Logger(VectorizeJob.name);

  constructor(
    private readonly vectorizer: VectorizeService,
    private readonly records: RecordStore,
    private readonly queue: VectorizeQueueService,
  ) {
    super();
  }

  /**
   * Stops taking jobs and lets the active ones finish while the database, the model and the vector store are
   * still open. @nestjs/bullmq closes the worker only at application shutdown, after every module's destroy
   * hook has closed those, so a SIGTERM would fail the jobs in hand (each losing one of its attempts).
   */
  async onModuleDestroy(): Promise<void> {
    await this.worker.close();
  }

  async process(job: Job<VectorizeJobData>): Promise<VectorizeOutcome> {
    const { tenantId, entity, externalIds } = job.data;
    return this.vectorizer.vectorize(tenantId, entity, externalIds);
  }

  @OnWorkerEvent('completed')
  async onCompleted(job: Job<VectorizeJobData>): Promise<void> {
    await this.queue.settled(job.data.tenantId, job.data.externalIds.length);
  }

  /** After the last attempt the job stays in the failed set and its records show as failed in the status. */
  @OnWorkerEvent('failed')
  async onFailed(job: Job<VectorizeJobData> | undefined, err: Error): Promise<void> {
    if (!job || job.attemptsMade < (job.opts.attempts ?? 1)) return;
    this.logger.error(`Vectorize job ${job.id} failed after ${job.attemptsMade} attempts: ${err.message}`);
    const { tenantId, entity, externalIds } = job.data;
    await this.records
      .markFailed(
        tenantId,
        entity,
        externalIds.map((externalId) => ({ externalId, error: err.message })),
      )
      .catch(() => undefined);
    await this.queue.settled(tenantId, externalIds.length);
  }

  /** Connection trouble and lost locks surface here; without a listener Node would treat them as unhandled. */
  @OnWorkerEvent('error')
  onError(err: Error): void {
    this.logger.warn(`Vectorize worker: ${err.message}`);
  }
}
