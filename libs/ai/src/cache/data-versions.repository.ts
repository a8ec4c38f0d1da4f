import { Injectable } from '@nestjs/common';
import { PgPoolService } from '@app/database';

/** data_versions: kept by the business tables' triggers, one row per tenant and table that ever changed. */
@Injectable()
export class DataVersionsRepository {
  constructor(private readonly db: PgPoolService) {}

  async read(tenantId: string, tables: readonly string[]): Promise<Map<string, number>> {
    const { rows } = await this.db.pool.query<{ table_name: string; version: string }>(
      'SELECT table_name, version FROM data_versions WHERE tenant_id = $1 AND table_name = ANY($2::text[])',
      [tenantId, tables],
    );
    return new Map(rows.map((r) => [r.table_name, Number(r.version)]));
  }
}
