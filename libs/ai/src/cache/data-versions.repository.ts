import { Injectable } from '@nestjs/common';
import { validate as isUuid } from 'uuid';
import { batchRoundTrips } from '@app/common';
import { PgPoolService } from '@app/database';

interface VersionKey {
  tenantId: string;
  table: string;
}

const versionKey = (tenantId: string, table: string) => `${tenantId.toLowerCase()}\u0000${table}`;

/** data_versions: kept by the business tables' triggers, one row per tenant and table that ever changed. */
@Injectable()
export class DataVersionsRepository {
  // Every cached answer proves itself fresh with this read; under load the reads made while queries are out share
  // the next one. Two may be out at once, so a read made while one is out need not wait for it before its own
  // (bench:query: +9% cached answers, docs/performance.md).
  private readonly loader = batchRoundTrips<VersionKey, number>((keys) => this.readBatch(keys), {
    inFlight: 2,
  });

  constructor(private readonly db: PgPoolService) {}

  /** The version of each table (0 when the tenant never wrote it), read after this call was made. */
  async read(tenantId: string, tables: readonly string[]): Promise<Map<string, number>> {
    const versions = await Promise.all(tables.map((table) => this.loader.load({ tenantId, table })));
    return new Map(tables.map((t, i) => [t, versions[i]]));
  }

  private async readBatch(keys: readonly VersionKey[]): Promise<(number | Error)[]> {
    // A tenant id that is not a UUID fails its own reads only, never its batch neighbours'.
    const valid = keys.filter((k) => isUuid(k.tenantId));
    const unique = [...new Map(valid.map((k) => [versionKey(k.tenantId, k.table), k])).values()];
    const { rows } =
      unique.length === 0
        ? { rows: [] }
        : await this.db.pool.query<{ tenant_id: string; table_name: string; version: string }>({
            // Named: each connection parses and plans it once, not on every cached answer.
            name: 'data-versions-read',
            text: `SELECT d.tenant_id, d.table_name, d.version
                     FROM data_versions d
                     JOIN unnest($1::uuid[], $2::text[]) AS k(tenant_id, table_name) USING (tenant_id, table_name)`,
            values: [unique.map((k) => k.tenantId), unique.map((k) => k.table)],
          });
    const found = new Map(rows.map((r) => [versionKey(r.tenant_id, r.table_name), Number(r.version)]));
    return keys.map((k) =>
      isUuid(k.tenantId)
        ? (found.get(versionKey(k.tenantId, k.table)) ?? 0)
        : new Error(`not a tenant id: ${k.tenantId}`),
    );
  }
}
