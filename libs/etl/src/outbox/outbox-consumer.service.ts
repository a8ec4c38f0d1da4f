import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { DatabaseEventsService, DB_CHANNELS, PgPoolService } from '@app/database';
import { VECTORIZE_JOB_SIZE } from '../queue.constants';
import { VectorizeService } from '../vectorize.service';
import { ChangeOutboxRepository, type OutboxGroup } from './change-outbox.repository';

/** Polled this often even without a notification: a missed NOTIFY costs at most this much lag. */
const POLL_MS = 1000;
/** Groups tried per drain before concluding every pending group is held by another worker. */
const GROUPS_TRIED = 8;
const RETRY_MS = 1000;
/**
 * Claim sizing: a batch is sized to about this much work at the rate the last batches went, between one model
 * batch (a trickle, or a slow model: a change waits for little) and MAX_CLAIM (a backlog: the fixed cost of a
 * transaction, and the writes of the last chunk the model does not overlap, spread over many records). It also
 * bounds how long another tenant's changes wait for this transaction with one drain per pod.
 */
const CLAIM_TARGET_MS = 1000;
const MIN_CLAIM = VECTORIZE_JOB_SIZE;
const MAX_CLAIM = 512;

/**
 * Applies the database's change outbox to the vector store. A batch is claimed, embedded, written to the store
 * and deleted from the outbox in one transaction: a worker killed (or a connection cut) before the commit leaves
 * the rows for the next drain, and re-applying a change is idempotent (an upsert of the same vector, a delete of
 * an absent id), so every change ends up in the store exactly once. Groups (tenant × table) are drained in
 * turn, so one tenant's bulk load cannot starve another tenant's trickle.
 */
@Injectable()
export class OutboxConsumerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(OutboxConsumerService.name);
  private stopped = false;
  private after: OutboxGroup | null = null;
  private readonly sleepers = new Set<() => void>();
  private loops: Promise<void>[] = [];
  /** Changes applied per second by recent full batches (smoothed); sizes the next claim. */
  private rate = 0;

  constructor(
    private readonly db: PgPoolService,
    private readonly outbox: ChangeOutboxRepository,
    private readonly vectorizer: VectorizeService,
    private readonly events: DatabaseEventsService,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.events.on(DB_CHANNELS.outbox, () => this.wakeAll());
    // VECTORIZE_CONCURRENCY drains per pod, each one transaction at a time.
    for (let i = 0; i < this.config.queue.vectorizeConcurrency; i++) this.loops.push(this.run());
  }

  /** Stops claiming and lets batches in hand finish while the pools, the model and the store are still open. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.wakeAll();
    await Promise.all(this.loops);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let worked = false;
      try {
        worked = await this.drainOnce();
      } catch (err) {
        if (this.stopped) return;
        this.logger.warn(`Outbox batch not applied (retrying): ${String(err)}`);
        await this.sleep(RETRY_MS);
        continue;
      }
      if (!worked) await this.sleep(POLL_MS);
    }
  }

  /** Applies one batch; false when nothing was claimable. */
  private drainOnce(): Promise<boolean> {
    return this.db.transaction(async (client) => {
      let group: OutboxGroup | null = null;
      for (let i = 0; i < GROUPS_TRIED && !this.stopped; i++) {
        const next = await this.outbox.nextGroup(client, this.after);
        if (!next) return false;
        this.after = next;
        if (await this.outbox.lockGroup(client, next)) {
          group = next;
          break;
        }
      }
      if (!group) return false;
      const limit = this.claimLimit();
      const changes = await this.outbox.claim(client, group, limit);
      if (changes.length === 0) return false;
      const started = performance.now();
      await this.vectorizer.apply(group.tenantId, group.entity, changes);
      await this.outbox.remove(
        client,
        changes.map((c) => c.id),
      );
      // Only a full claim says how fast a backlog drains; a trickle's single rows would understate it.
      if (changes.length === limit) this.learnRate(changes.length, performance.now() - started);
      return true;
    });
  }

  private claimLimit(): number {
    const sized = Math.round((this.rate * CLAIM_TARGET_MS) / 1000 / MIN_CLAIM) * MIN_CLAIM;
    return Math.min(MAX_CLAIM, Math.max(MIN_CLAIM, sized));
  }

  private learnRate(changes: number, ms: number): void {
    const rate = (changes * 1000) / Math.max(ms, 1);
    this.rate = this.rate === 0 ? rate : 0.7 * this.rate + 0.3 * rate;
  }

  /** Resolves after `ms`, or earlier when the database announces new outbox rows. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }

  private wakeAll(): void {
    for (const wake of [...this.sleepers]) wake();
  }
}
