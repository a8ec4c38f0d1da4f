import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { Entity } from '@app/common';
import { PgPoolService } from '@app/database';

/** One ingest call's counts, as stored in `etl_batches`. */
export interface EtlBatchRow {
  id: string;
  tenantId: string;
  entity: Entity;
  total: number;
  accepted: number;
  queued: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
}

/** The `etl_batches` table. */
@Injectable()
export class EtlBatchesRepository {
  constructor(private readonly db: PgPoolService) {}

  /** Written on the ingest's own transaction, with its records. */
  async insert(client: PoolClient, b: EtlBatchRow): Promise<void> {
    await client.query(
      `INSERT INTO etl_batches (id, tenant_id, entity, total, accepted, queued, inserted, updated, unchanged, rejected)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        b.id,
        b.tenantId,
        b.entity,
        b.total,
        b.accepted,
        b.queued,
        b.inserted,
        b.updated,
        b.unchanged,
        b.rejected,
      ],
    );
  }

  async find(
    tenantId: string,
    id: string,
  ): Promise<{ entity: Entity; accepted: number; unchanged: number } | null> {
    const { rows } = await this.db.pool.query<{ entity: Entity; accepted: number; unchanged: number }>(
      'SELECT entity, accepted, unchanged FROM etl_batches WHERE id = $1 AND tenant_id = $2',
      [id, tenantId],
    );
    return rows[0] ?? null;
  }
}
