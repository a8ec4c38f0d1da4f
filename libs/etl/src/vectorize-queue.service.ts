import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import { withTimeout, type Entity } from '@app/common';
import { RedisService } from '@app/database';
import {
  BACKFILL_QUEUE,
  VECTORIZE_JOB_SIZE,
  VECTORIZE_QUEUE,
  type BackfillJobData,
  type VectorizeJobData,
} from './queue.constants';

/** Enqueueing gives up after this long: the records are already stored, and the reconciler picks them up. */
const ENQUEUE_TIMEOUT_MS = 2000;
const BACKLOG_TTL_S = 3600;
/** BullMQ's largest priority; lower numbers run first. */
const MAX_PRIORITY = 2_097_151;

/**
 * Producer side of vectorization. The database is the source of truth for what needs a vector, so a failed
 * enqueue loses nothing: it is logged and the reconciler re-queues the records later.
 */
@Injectable()
export class VectorizeQueueService {
  private readonly logger = new Logger(VectorizeQueueService.name);

  constructor(
    @InjectQueue(VECTORIZE_QUEUE) readonly vectorize: Queue<VectorizeJobData>,
    @InjectQueue(BACKFILL_QUEUE) readonly backfill: Queue<BackfillJobData>,
    private readonly redis: RedisService,
  ) {}

  /**
   * Queues records in jobs of VECTORIZE_JOB_SIZE. Job ids are derived from the content hashes, so the same
   * content queued twice collapses into one job. A tenant's priority falls with its own backlog, so one
   * tenant's bulk load cannot starve another tenant's trickle of updates.
   */
  async enqueue(
    tenantId: string,
    entity: Entity,
    records: { externalId: string; contentHash: string }[],
  ): Promise<boolean> {
    if (records.length === 0) return true;
    try {
      const backlog = await withTimeout(this.vectorizeBacklog(tenantId), ENQUEUE_TIMEOUT_MS, 'Redis');
      const jobs = [];
      for (let i = 0; i < records.length; i += VECTORIZE_JOB_SIZE) {
        const chunk = records.slice(i, i + VECTORIZE_JOB_SIZE);
        jobs.push({
          name: entity,
          data: { tenantId, entity, externalIds: chunk.map((r) => r.externalId), enqueuedAt: Date.now() },
          opts: {
            jobId: `${tenantId}:${entity}:${chunkKey(chunk)}`,
            priority: Math.min(MAX_PRIORITY, 1 + Math.floor((backlog + i) / VECTORIZE_JOB_SIZE)),
          },
        });
      }
      await withTimeout(this.vectorize.addBulk(jobs), ENQUEUE_TIMEOUT_MS, 'Redis');
      const key = this.backlogKey(tenantId);
      // The counter only steers priorities; the expiry bounds any drift from collapsed duplicate jobs.
      await withTimeout(
        this.redis.client.multi().incrby(key, records.length).expire(key, BACKLOG_TTL_S).exec(),
        ENQUEUE_TIMEOUT_MS,
        'Redis',
      );
      return true;
    } catch (err) {
      this.logger.warn(
        `Vectorization of ${records.length} ${entity} not queued (the reconciler will): ${String(err)}`,
      );
      return false;
    }
  }

  /** Called by the worker when a job settles, so the tenant's priority recovers. */
  async settled(tenantId: string, count: number): Promise<void> {
    const key = this.backlogKey(tenantId);
    const left = await this.redis.client.decrby(key, count).catch(() => 0);
    if (left <= 0) await this.redis.client.del(key).catch(() => undefined);
  }

  async queueBackfill(data: BackfillJobData, jobId?: string): Promise<string> {
    const job = await withTimeout(
      this.backfill.add('backfill', data, { jobId, priority: 1 }),
      ENQUEUE_TIMEOUT_MS,
      'Redis',
    );
    return job.id!;
  }

  private async vectorizeBacklog(tenantId: string): Promise<number> {
    return Number((await this.redis.client.get(this.backlogKey(tenantId))) ?? 0);
  }

  private backlogKey(tenantId: string): string {
    return this.redis.key('etl', 'backlog', tenantId);
  }
}

function chunkKey(chunk: { externalId: string; contentHash: string }[]): string {
  const h = createHash('sha256');
  for (const r of chunk) h.update(r.externalId).update('\0').update(r.contentHash).update('\0');
  return h.digest('hex').slice(0, 32);
}
