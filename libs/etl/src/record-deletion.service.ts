import { Injectable } from '@nestjs/common';
import { ErrorCode, type Entity } from '@app/common';
import { VectorStore } from '@app/vector';
import { EtlException } from './etl.exception';
import { RecordRepository } from './record.repository';
import { VectorizeService } from './vectorize.service';

/** Deletes a record and then its vector; a worker racing the delete removes the vector it wrote (see VectorizeService). */
@Injectable()
export class RecordDeletionService {
  constructor(
    private readonly records: RecordRepository,
    private readonly vectors: VectorStore,
    private readonly vectorizer: VectorizeService,
  ) {}

  async remove(tenantId: string, entity: Entity, externalId: string): Promise<void> {
    const removed = await this.records.remove(tenantId, entity, externalId);
    if (!removed) throw new EtlException(ErrorCode.NOT_FOUND, `No ${entity} record "${externalId}"`);
    await this.vectors.delete(tenantId, await this.vectorizer.collection(entity), [externalId]);
  }
}
