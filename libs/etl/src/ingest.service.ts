import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Entity } from '@app/common';
import { PgPoolService } from '@app/database';
import { MetricsService } from '@app/metrics';
import type { IngestResultDto } from './dto/ingest.dto';
import { EtlBatchesRepository } from './etl-batches.repository';
import { RecordRepository } from './record.repository';
import { RecordValidator } from './record-validator';

@Injectable()
export class IngestService {
  constructor(
    private readonly db: PgPoolService,
    private readonly records: RecordRepository,
    private readonly batches: EtlBatchesRepository,
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
      await this.batches.insert(client, {
        id: batchId,
        tenantId,
        entity,
        total: raw.length,
        accepted: valid.length,
        queued: changed.length,
        inserted: written.filter((w) => w.previousHash === null).length,
        updated: written.filter((w) => w.previousHash !== null).length,
        unchanged: valid.length - written.length,
        rejected: rejected.length,
      });
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
