import { Injectable } from '@nestjs/common';
import { PgPoolService } from '@app/database';

/** A tenant's overrides; null = the configured default. */
export interface TenantLimitsRow {
  query: number | null;
  search: number | null;
  embed: number | null;
  ingest: number | null;
  admin: number | null;
  dailyQuestions: number | null;
  dailyEmbeddedTexts: number | null;
}
export type TenantLimitsField = keyof TenantLimitsRow;

const COLUMN: Record<TenantLimitsField, string> = {
  query: 'query',
  search: 'search',
  embed: 'embed',
  ingest: 'ingest',
  admin: 'admin',
  dailyQuestions: 'daily_questions',
  dailyEmbeddedTexts: 'daily_embedded_texts',
};
const SELECT = `SELECT ${Object.entries(COLUMN)
  .map(([field, column]) => `${column} AS "${field}"`)
  .join(', ')}`;

/** The `tenant_limits` table. */
@Injectable()
export class TenantLimitsRepository {
  constructor(private readonly db: PgPoolService) {}

  async find(tenantId: string): Promise<TenantLimitsRow | null> {
    const { rows } = await this.db.pool.query<TenantLimitsRow>(
      `${SELECT} FROM tenant_limits WHERE tenant_id = $1`,
      [tenantId],
    );
    return rows[0] ?? null;
  }

  /** Sets the given fields (null clears an override) and leaves the others as they are. */
  async upsert(tenantId: string, fields: Partial<TenantLimitsRow>): Promise<TenantLimitsRow> {
    const set = (Object.keys(COLUMN) as TenantLimitsField[]).filter((f) => fields[f] !== undefined);
    const columns = set.map((f) => COLUMN[f]);
    const { rows } = await this.db.pool.query<TenantLimitsRow>(
      `WITH saved AS (
         INSERT INTO tenant_limits (tenant_id${columns.map((c) => `, ${c}`).join('')})
         VALUES ($1${set.map((_, i) => `, $${i + 2}`).join('')})
         ON CONFLICT (tenant_id) DO UPDATE SET
           ${[...columns.map((c) => `${c} = EXCLUDED.${c}`), 'updated_at = now()'].join(', ')}
         RETURNING *
       )
       ${SELECT} FROM saved`,
      [tenantId, ...set.map((f) => fields[f])],
    );
    return rows[0];
  }
}
