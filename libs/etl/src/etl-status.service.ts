import { Injectable } from '@nestjs/common';
import { ENTITIES, ErrorCode, type Entity } from '@app/common';
import { EmbeddingService } from '@app/embedding';
import type { BatchStatusDto } from './dto/ingest.dto';
import { EtlBatchesRepository } from './etl-batches.repository';
import { EtlException } from './etl.exception';
import { RecordRepository } from './record.repository';

export interface EntityStatus {
  records: number;
  vectorized: number;
  pending: number;
  failed: number;
  /** Age of the oldest record still waiting for its vector; 0 when nothing waits. */
  lagSeconds: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Progress figures read from the records themselves (the database is the source of truth, not the queue). */
@Injectable()
export class EtlStatusService {
  constructor(
    private readonly records: RecordRepository,
    private readonly batches: EtlBatchesRepository,
    private readonly embeddings: EmbeddingService,
  ) {}

  async status(
    tenantId: string,
  ): Promise<{ entities: Record<Entity, EntityStatus>; embeddingModel: string }> {
    const model = this.embeddings.model;
    const entries = await Promise.all(
      ENTITIES.map(async (entity) => {
        const r = await this.records.progress(tenantId, entity, model);
        const status: EntityStatus = {
          records: r.records,
          vectorized: r.vectorized,
          pending: r.records - r.vectorized - r.failed,
          failed: r.failed,
          lagSeconds: Math.max(0, Math.round((r.lagSeconds ?? 0) * 10) / 10),
        };
        return [entity, status] as const;
      }),
    );
    return { entities: Object.fromEntries(entries) as Record<Entity, EntityStatus>, embeddingModel: model };
  }

  async batch(tenantId: string, batchId: string): Promise<BatchStatusDto> {
    if (!UUID.test(batchId)) throw new EtlException(ErrorCode.VALIDATION_FAILED, 'batchId must be a UUID');
    const batch = await this.batches.find(tenantId, batchId);
    if (!batch) throw new EtlException(ErrorCode.NOT_FOUND, `Batch ${batchId} not found`);
    const progress = await this.records.progress(tenantId, batch.entity, this.embeddings.model, batchId);
    const { records: written, vectorized: embedded, failed } = progress;
    // Rows a later batch rewrote count as skipped here; they are that batch's work now.
    const skipped = batch.accepted - written;
    const pending = written - embedded - failed;
    const status =
      pending > 0 ? (embedded + failed > 0 ? 'running' : 'queued') : failed > 0 ? 'failed' : 'done';
    return { batchId, status, total: batch.accepted, embedded, skipped, failed, pending };
  }
}
