import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module, OnModuleInit } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AppConfig } from '@app/config';
import { RedisService } from '@app/database';
import { EmbeddingModule, EmbeddingService } from '@app/embedding';
import { MetricsService } from '@app/metrics';
import { VectorModule } from '@app/vector';
import { ReadinessRegistry } from '@app/health';
import { BackfillService } from './backfill.service';
import { EtlAdminController } from './etl-admin.controller';
import { EtlController } from './etl.controller';
import { EtlStatusService } from './etl-status.service';
import { IngestService } from './ingest.service';
import { BackfillJob } from './jobs/backfill.job';
import { QueueWorkersShutdownService } from './jobs/queue-workers-shutdown.service';
import { ChangeOutboxRepository } from './outbox/change-outbox.repository';
import { OutboxConsumerService } from './outbox/outbox-consumer.service';
import { BACKFILL_QUEUE } from './queue.constants';
import { ReconcilerService } from './reconciler.service';
import { RecordDeletionService } from './record-deletion.service';
import { RecordRepository } from './record.repository';
import { EtlBatchesRepository } from './etl-batches.repository';
import { RecordValidator } from './record-validator';
import { BackfillQueueService } from './backfill-queue.service';
import { VectorizeService } from './vectorize.service';

/**
 * Ingestion (HTTP) and background vectorization: the database's change outbox for every write, BullMQ for
 * backfills and the reconciler. `forRole` wires the HTTP side, the workers, or both, from the same services.
 */
@Module({})
export class EtlModule implements OnModuleInit {
  constructor(
    private readonly queue: BackfillQueueService,
    private readonly metrics: MetricsService,
    private readonly readiness: ReadinessRegistry,
    private readonly outbox: ChangeOutboxRepository,
    private readonly embeddings: EmbeddingService,
  ) {}

  static forRole(opts: { http: boolean; workers: boolean }): DynamicModule {
    return {
      module: EtlModule,
      imports: [
        DiscoveryModule,
        EmbeddingModule,
        VectorModule,
        BullModule.forRootAsync({
          inject: [AppConfig, RedisService],
          useFactory: (config: AppConfig, redis: RedisService) => ({
            connection: redis.queueConnection(),
            prefix: `${config.redis.prefix}:bull`,
            defaultJobOptions: {
              attempts: config.queue.attempts,
              backoff: { type: 'exponential', delay: 1000 },
              removeOnComplete: { age: 3600, count: 10_000 },
              removeOnFail: false,
            },
          }),
        }),
        BullModule.registerQueue({ name: BACKFILL_QUEUE }),
      ],
      controllers: opts.http ? [EtlController, EtlAdminController] : [],
      providers: [
        RecordRepository,
        EtlBatchesRepository,
        RecordValidator,
        IngestService,
        BackfillQueueService,
        VectorizeService,
        BackfillService,
        EtlStatusService,
        RecordDeletionService,
        ReconcilerService,
        ChangeOutboxRepository,
        ...(opts.workers ? [OutboxConsumerService, BackfillJob, QueueWorkersShutdownService] : []),
      ],
      exports: [IngestService, VectorizeService, EtlStatusService, BackfillQueueService],
    };
  }

  onModuleInit(): void {
    this.metrics.registerQueueCollector(async () => {
      const states = ['waiting', 'prioritized', 'active', 'failed', 'completed', 'delayed'] as const;
      const [pending, backfill] = await Promise.all([
        this.outbox.pending(),
        this.queue.backfill.getJobCounts(...states),
      ]);
      const shape = (c: Record<string, number>) => ({
        waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
        active: c.active ?? 0,
        failed: c.failed ?? 0,
        completed: c.completed ?? 0,
        delayed: c.delayed ?? 0,
      });
      // Real-time vectorization is the change outbox: what waits there is the vectorize backlog.
      return {
        vectorize: { waiting: pending, active: 0, failed: 0, completed: 0, delayed: 0 },
        backfill: shape(backfill),
      };
    });
    this.metrics.registerEmbeddingInfo(() => ({ model: this.embeddings.model }));
    this.readiness.register('queues', async () => {
      await this.queue.backfill.getJobCounts('waiting');
      return true;
    });
  }
}
