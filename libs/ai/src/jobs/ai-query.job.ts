import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { AiJobsService } from './ai-jobs.service';
import { AI_QUERY_JOBS_QUEUE, type AiQueryJobData, type AiQueryJobProgress } from './queue.constants';

/** Answers a question job (`POST /v1/ai/jobs`) on the worker role; one at a time, each answers four questions at once. */
@Processor(AI_QUERY_JOBS_QUEUE, { concurrency: 1, lockDuration: 60_000, stalledInterval: 30_000 })
export class AiQueryJob extends WorkerHost {
  private readonly logger = new Logger(AiQueryJob.name);

  constructor(private readonly jobs: AiJobsService) {
    super();
  }

  process(job: Job<AiQueryJobData>): Promise<AiQueryJobProgress> {
    return this.jobs.run(job);
  }

  /** Connection trouble and lost locks surface here; without a listener Node would treat them as unhandled. */
  @OnWorkerEvent('error')
  onError(err: Error): void {
    this.logger.warn(`AI job worker: ${err.message}`);
  }
}
