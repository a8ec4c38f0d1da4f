import { Injectable } from '@nestjs/common';
import { PgPoolService } from '@app/database';

/** One row of `integrations`, secret still encrypted. */
export interface IntegrationRow {
  id: string;
  tenantId: string;
  name: string;
  kind: string;
  provider: string;
  baseUrl: string;
  model: string;
  apiKeyEncrypted: string | null;
  tier: string;
  inputCostPer1k: number;
  outputCostPer1k: number;
  timeoutMs: number;
  enabled: boolean;
  priority: number;
  createdAt: Date;
  updatedAt: Date;
}

/** Settings written by `upsert`; `apiKeyEncrypted` undefined keeps the stored secret, null removes it. */
export type IntegrationFields = Omit<
  IntegrationRow,
  'id' | 'tenantId' | 'name' | 'apiKeyEncrypted' | 'createdAt' | 'updatedAt'
> & {
  apiKeyEncrypted?: string | null;
};

const SELECT = `SELECT id, tenant_id AS "tenantId", name, kind, provider, base_url AS "baseUrl", model,
  api_key_encrypted AS "apiKeyEncrypted", tier, input_cost_per_1k AS "inputCostPer1k",
  output_cost_per_1k AS "outputCostPer1k", timeout_ms AS "timeoutMs", enabled, priority,
  created_at AS "createdAt", updated_at AS "updatedAt"`;

/** The `integrations` table. */
@Injectable()
export class IntegrationsRepository {
  constructor(private readonly db: PgPoolService) {}

  async upsert(tenantId: string, name: string, fields: IntegrationFields): Promise<IntegrationRow> {
    const { rows } = await this.db.pool.query<IntegrationRow>(
      `WITH saved AS (
         INSERT INTO integrations AS i (tenant_id, name, kind, provider, base_url, model, api_key_encrypted, tier,
                                        input_cost_per_1k, output_cost_per_1k, timeout_ms, enabled, priority,
                                        updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, now())
         ON CONFLICT (tenant_id, name) DO UPDATE SET
           kind = EXCLUDED.kind, provider = EXCLUDED.provider, base_url = EXCLUDED.base_url, model = EXCLUDED.model,
           api_key_encrypted = CASE WHEN $14 THEN EXCLUDED.api_key_encrypted ELSE i.api_key_encrypted END,
           tier = EXCLUDED.tier, input_cost_per_1k = EXCLUDED.input_cost_per_1k,
           output_cost_per_1k = EXCLUDED.output_cost_per_1k, timeout_ms = EXCLUDED.timeout_ms,
           enabled = EXCLUDED.enabled, priority = EXCLUDED.priority, updated_at = now()
         RETURNING *
       )
       ${SELECT} FROM saved`,
      [
        tenantId,
        name,
        fields.kind,
        fields.provider,
        fields.baseUrl,
        fields.model,
        fields.apiKeyEncrypted ?? null,
        fields.tier,
        fields.inputCostPer1k,
        fields.outputCostPer1k,
        fields.timeoutMs,
        fields.enabled,
        fields.priority,
        fields.apiKeyEncrypted !== undefined,
      ],
    );
    return rows[0];
  }

  /** The tenant's integrations by priority then name; only enabled ones of `kind` when given. */
  async list(tenantId: string, enabledOfKind?: string): Promise<IntegrationRow[]> {
    const { rows } = await this.db.pool.query<IntegrationRow>(
      `${SELECT} FROM integrations
        WHERE tenant_id = $1 AND ($2::text IS NULL OR (kind = $2 AND enabled))
        ORDER BY priority, name`,
      [tenantId, enabledOfKind ?? null],
    );
    return rows;
  }

  /** False when the tenant has no integration of that name. */
  async remove(tenantId: string, name: string): Promise<boolean> {
    const { rowCount } = await this.db.pool.query(
      'DELETE FROM integrations WHERE tenant_id = $1 AND name = $2',
      [tenantId, name],
    );
    return (rowCount ?? 0) > 0;
  }
}
