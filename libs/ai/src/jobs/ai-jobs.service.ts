import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '@app/common';
import { AppConfig } from '@app/config';
import { QueryService } from '../query/query.service';
import { AiJobsException } from './ai-jobs.exception';
import type { AiJobDto, AiJobStatus } from './dto/ai-job.dto';
import { AI_QUERY_JOBS_QUEUE, type AiQueryJobData, type AiQueryJobProgress } from './queue.constants';

/** Questions of one job answered at the same time, as in a batch. */
const JOB_QUESTION_CONCURRENCY = 4;

function progressOf(job: Job<AiQueryJobData>): AiQueryJobProgress {
  const p = job.progress as Partial<AiQueryJobProgress> | number;
  const total = job.data.questions.length;
  if (typeof p !== 'object' || !Array.isArray(p.results)) return { done: 0, total, results: [] };
  return { done: p.results.length, total, results: p.results };
}

function statusOf(state: string): AiJobStatus {
  switch (state) {
    case 'active':
      return 'running';
    case 'completed':
      return 'done';
    case 'failed':
      return 'failed';
    default:
      return 'queued';
  }
}

/**
 * Question jobs: the API enqueues them, a worker answers them through the query service and keeps the answers
 * on the job, in Redis, for AI_JOB_RETENTION_S. Only the tenant that created a job can see it.
 */
@Injectable()
export class AiJobsService {
  private readonly retentionS: number;

  constructor(
    @InjectQueue(AI_QUERY_JOBS_QUEUE) private readonly queue: Queue<AiQueryJobData>,
    private readonly queries: QueryService,
    config: AppConfig,
  ) {
    this.retentionS = config.aiJobs.retentionS;
  }

  async submit(tenantId: string, questions: string[], noCache = false): Promise<string> {
    const jobId = randomUUID();
    await this.queue.add(
      'answer',
      { tenantId, questions, noCache },
      {
        jobId,
        // A second attempt only after a worker died mid-job; it resumes after the stored answers.
        attempts: 2,
        backoff: { type: 'fixed', delay: 1000 },
        removeOnComplete: { age: this.retentionS },
        removeOnFail: { age: this.retentionS },
      },
    );
    return jobId;
  }

  /** The job as its tenant sees it; another tenant's id, or an expired one, is NOT_FOUND. */
  async get(tenantId: string, jobId: string): Promise<AiJobDto> {
    // The state is read before the job: read after, it could say "completed" about a job read while it waited
    // (no results, no finishedOn). Read before, a job read later is at least as far along as its state says.
    const state = await this.queue.getJobState(jobId);
    const job = await this.queue.getJob(jobId);
    if (!job || job.data.tenantId !== tenantId) {
      throw new AiJobsException(ErrorCode.NOT_FOUND, `No job ${jobId}`);
    }
    const { done, total, results } = progressOf(job);
    const status = statusOf(state);
    return {
      jobId,
      status,
      progress: { done, total },
      results,
      createdAt: new Date(job.timestamp).toISOString(),
      finishedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
    };
  }

  /** Answers the job's questions after those already answered, storing each answer as it arrives. */
  async run(job: Job<AiQueryJobData>): Promise<AiQueryJobProgress> {
    const { tenantId, questions, noCache } = job.data;
    const results = [...progressOf(job).results];
    let next = results.length;
    let saving = Promise.resolve();
    // Only the answered prefix is stored, in order, so a resumed job knows exactly where to carry on.
    const save = () => {
      const gap = results.findIndex((r) => r === undefined);
      const stored = gap === -1 ? [...results] : results.slice(0, gap);
      const progress: AiQueryJobProgress = { done: stored.length, total: questions.length, results: stored };
      saving = saving.then(() => job.updateProgress({ ...progress }));
      return saving;
    };
    const worker = async () => {
      while (next < questions.length) {
        const i = next++;
        const [answer] = await this.queries.askMany(tenantId, [questions[i]], { noCache });
        results[i] = answer;
        await save();
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(JOB_QUESTION_CONCURRENCY, questions.length - next) }, worker),
    );
    await saving;
    return { done: results.length, total: questions.length, results };
  }
}
