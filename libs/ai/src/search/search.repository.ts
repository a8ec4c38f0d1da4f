import { Injectable } from '@nestjs/common';
import { PgPoolService } from '@app/database';
import type { Entity } from '@app/common';

/** The business tables as record search reads them: which hits still exist for the tenant. */
@Injectable()
export class SearchRepository {
  constructor(private readonly db: PgPoolService) {}

  async existing(tenantId: string, entity: Entity, externalIds: string[]): Promise<Set<string>> {
    const { rows } = await this.db.pool.query<{ external_id: string }>(
      `SELECT external_id FROM ${entity} WHERE tenant_id = $1 AND external_id = ANY($2::text[])`,
      [tenantId, externalIds],
    );
    return new Set(rows.map((r) => r.external_id));
  }
}
