import { Injectable } from '@nestjs/common';
import { PgPoolService } from '@app/database';

export interface StoredApiKey {
  id: string;
  tenantId: string;
  tenantSlug: string;
  hash: string;
  revokedAt: Date | null;
}

/** The `api_keys` table. */
@Injectable()
export class ApiKeyRepository {
  constructor(private readonly db: PgPoolService) {}

  async insert(tenantId: string, prefix: string, hash: string): Promise<string> {
    const { rows } = await this.db.pool.query<{ id: string }>(
      'INSERT INTO api_keys (tenant_id, prefix, hash) VALUES ($1, $2, $3) RETURNING id',
      [tenantId, prefix, hash],
    );
    return rows[0].id;
  }

  /** Revokes a key not yet revoked; false when there was none (unknown or already revoked). */
  async revoke(id: string): Promise<boolean> {
    const { rowCount } = await this.db.pool.query(
      'UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL',
      [id],
    );
    return (rowCount ?? 0) > 0;
  }

  async exists(id: string): Promise<boolean> {
    const { rows } = await this.db.pool.query('SELECT 1 FROM api_keys WHERE id = $1', [id]);
    return rows.length > 0;
  }

  async findByPrefix(prefix: string): Promise<StoredApiKey | null> {
    const { rows } = await this.db.pool.query<{
      id: string;
      tenant_id: string;
      slug: string;
      hash: string;
      revoked_at: Date | null;
    }>(
      `SELECT k.id, k.tenant_id, t.slug, k.hash, k.revoked_at
         FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
        WHERE k.prefix = $1`,
      [prefix],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      id: row.id,
      tenantId: row.tenant_id,
      tenantSlug: row.slug,
      hash: row.hash,
      revokedAt: row.revoked_at,
    };
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.db.pool.query('UPDATE api_keys SET last_used_at = $2 WHERE id = $1', [id, at]);
  }
}
