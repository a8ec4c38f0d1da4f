import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { RedisService } from '@app/database';
import { EmbeddingModule } from '@app/embedding';
import { MetricsService } from '@app/metrics';
import { VectorModule, VectorStore } from '@app/vector';
import { ReadinessRegistry } from '@app/health';
import { BackfillService } from './backfill.service';
import { EtlAdminController } from './etl-admin.controller';
import { EtlController } from './etl.controller';
import { EtlStatusService } from './etl-status.service';
import { IngestService } from './ingest.service';
import { BackfillJob } from './jobs/backfill.job';
import { VectorizeJob } from './jobs/vectorize.job';
import { BACKFILL_QUEUE, VECTORIZE_QUEUE } from './queue.constants';
import { ReconcilerService } from './reconciler.service';
import { RecordDeletionService } from './record-deletion.service';
import { RecordStore } from './record-store';
import { RecordValidator } from './record-validator';
import { VectorizeQueueService } from './vectorize-queue.service';
import { VectorizeService } from './vectorize.service';
import { SearchController } from './search/search.controller';
import { SearchService } from './search/search.service';

/**
 * Ingestion (HTTP) and background vectorization (BullMQ). `forRole` wires the HTTP side, the workers, or both,
 * from the same services.
 */
@Module({})
export class EtlModule implements OnModuleInit {
  constructor(
    private readonly queue: VectorizeQueueService,
    private readonly metrics: MetricsService,
    private readonly readiness: ReadinessRegistry,
    private readonly vectors: VectorStore,
  ) {}

  static forRole(opts: { http: boolean; workers: boolean }): DynamicModule {
    return {
      module: EtlModule,
      imports: [
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
        BullModule.registerQueue({ name: VECTORIZE_QUEUE }, { name: BACKFILL_QUEUE }),
      ],
      controllers: opts.http ? [EtlController, EtlAdminController, SearchController] : [],
      providers: [
        RecordStore,
        RecordValidator,
        IngestService,
        VectorizeQueueService,
        VectorizeService,
        BackfillService,
        EtlStatusService,
        RecordDeletionService,
        ReconcilerService,
        SearchService,
        ...(opts.workers ? [VectorizeJob, BackfillJob] : []),
      ],
      exports: [IngestService, VectorizeService, EtlStatusService, VectorizeQueueService],
    };
  }

  onModuleInit(): void {
    this.metrics.registerQueueCollector(async () => {
      const states = ['waiting', 'prioritized', 'active', 'failed', 'completed', 'delayed'] as const;
      const [vectorize, backfill] = await Promise.all(
        [this.queue.vectorize, this.queue.backfill].map((q) => q.getJobCounts(...states)),
      );
      const shape = (c: Record<string, number>) => ({
        waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
        active: c.active ?? 0,
        failed: c.failed ?? 0,
        completed: c.completed ?? 0,
        delayed: c.delayed ?? 0,
      });
      return { vectorize: shape(vectorize), backfill: shape(backfill) };
    });
    this.readiness.register('vectorStore', async () => {
      const { up, store, message } = await this.vectors.health();
      return { up, store, ...(message ? { message } : {}) };
    });
    this.readiness.register('queues', async () => {
      await this.queue.vectorize.getJobCounts('waiting');
      return true;
    });
  }
}
