import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Entity } from '@app/common';
import { PgPoolService } from '@app/database';
import { MetricsService } from '@app/metrics';
import type { IngestResultDto } from './dto/ingest.dto';
import { RecordStore } from './record-store';
import { RecordValidator } from './record-validator';

@Injectable()
export class IngestService {
  constructor(
    private readonly db: PgPoolService,
    private readonly records: RecordStore,
    private readonly validator: RecordValidator,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * Validates each record and upserts the valid ones in one transaction. The database's triggers queue what
   * changed for vectorization and announce the change (as for any other writer); re-sending a batch writes
   * nothing and queues nothing.
   */
  async ingest(tenantId: string, entity: Entity, raw: unknown[]): Promise<IngestResultDto> {
    const { valid, rejected } = this.validator.validate(entity, raw);
    const batchId = randomUUID();
    const rows = valid.map(({ record }) => record);

    const outcomes = await this.db.transaction(async (client) => {
      const written = rows.length ? await this.records.upsert(client, tenantId, entity, batchId, rows) : [];
      const changed = written.filter((w) => w.previousHash !== w.contentHash);
      await client.query(
        `INSERT INTO etl_batches (id, tenant_id, entity, total, accepted, queued, inserted, updated, unchanged, rejected)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          batchId,
          tenantId,
          entity,
          raw.length,
          valid.length,
          changed.length,
          written.filter((w) => w.previousHash === null).length,
          written.filter((w) => w.previousHash !== null).length,
          valid.length - written.length,
          rejected.length,
        ],
      );
      return { written, changed };
    });

    const inserted = outcomes.written.filter((w) => w.previousHash === null).length;
    const updated = outcomes.written.length - inserted;
    this.metrics.recordIngest(tenantId, {
      entity,
      inserted,
      updated,
      unchanged: valid.length - outcomes.written.length,
      rejected: rejected.length,
    });
    return {
      batchId,
      accepted: valid.length,
      rejected,
      inserted,
      updated,
      unchanged: valid.length - outcomes.written.length,
      queued: outcomes.changed.length,
    };
  }
}
