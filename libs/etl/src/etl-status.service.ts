import { Injectable } from '@nestjs/common';
import { ENTITIES, ErrorCode, type Entity } from '@app/common';
import { PgPoolService } from '@app/database';
import { EmbeddingService } from '@app/embedding';
import type { BatchStatusDto } from './dto/ingest.dto';
import { EtlException } from './etl.exception';

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
    private readonly db: PgPoolService,
    private readonly embeddings: EmbeddingService,
  ) {}

  async status(
    tenantId: string,
  ): Promise<{ entities: Record<Entity, EntityStatus>; embeddingModel: string }> {
    const model = this.embeddings.model;
    const entries = await Promise.all(
      ENTITIES.map(async (entity) => {
        const { rows } = await this.db.pool.query<{
          records: number;
          vectorized: number;
          failed: number;
          lag: number | null;
        }>(
          `SELECT count(*)::int AS records,
                  count(*) FILTER (WHERE ${this.done('$2')})::int AS vectorized,
                  count(*) FILTER (WHERE vector_error IS NOT NULL AND NOT (${this.done('$2')}))::int AS failed,
                  EXTRACT(EPOCH FROM now() - min(ingested_at) FILTER (WHERE vector_error IS NULL AND NOT (${this.done('$2')})))::float8 AS lag
             FROM ${entity} WHERE tenant_id = $1`,
          [tenantId, model],
        );
        const r = rows[0];
        const status: EntityStatus = {
          records: r.records,
          vectorized: r.vectorized,
          pending: r.records - r.vectorized - r.failed,
          failed: r.failed,
          lagSeconds: Math.max(0, Math.round((r.lag ?? 0) * 10) / 10),
        };
        return [entity, status] as const;
      }),
    );
    return { entities: Object.fromEntries(entries) as Record<Entity, EntityStatus>, embeddingModel: model };
  }

  async batch(tenantId: string, batchId: string): Promise<BatchStatusDto> {
    if (!UUID.test(batchId)) throw new EtlException(ErrorCode.VALIDATION_FAILED, 'batchId must be a UUID');
    const { rows: batches } = await this.db.pool.query<{
      entity: Entity;
      accepted: number;
      unchanged: number;
    }>('SELECT entity, accepted, unchanged FROM etl_batches WHERE id = $1 AND tenant_id = $2', [
      batchId,
      tenantId,
    ]);
    const batch = batches[0];
    if (!batch) throw new EtlException(ErrorCode.NOT_FOUND, `Batch ${batchId} not found`);
    const { rows } = await this.db.pool.query<{ written: number; embedded: number; failed: number }>(
      `SELECT count(*)::int AS written,
              count(*) FILTER (WHERE ${this.done('$3')})::int AS embedded,
              count(*) FILTER (WHERE vector_error IS NOT NULL AND NOT (${this.done('$3')}))::int AS failed
         FROM ${batch.entity} WHERE tenant_id = $1 AND last_batch_id = $2`,
      [tenantId, batchId, this.embeddings.model],
    );
    const { written, embedded, failed } = rows[0];
    // Rows a later batch rewrote count as skipped here; they are that batch's work now.
    const skipped = batch.accepted - written;
    const pending = written - embedded - failed;
    const status =
      pending > 0 ? (embedded + failed > 0 ? 'running' : 'queued') : failed > 0 ? 'failed' : 'done';
    return { batchId, status, total: batch.accepted, embedded, skipped, failed, pending };
  }

  private done(modelParam: string): string {
    return `vectorized_at IS NOT NULL AND vector_hash = content_hash AND embedding_model = ${modelParam}`;
  }
}
