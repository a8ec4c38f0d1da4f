import { Injectable } from '@nestjs/common';
import { PgPoolService } from '@app/database';

export interface TenantRow {
  id: string;
  slug: string;
  name: string;
  monthlyBudgetUsd: number | null;
  createdAt: Date;
}

interface DbRow {
  id: string;
  slug: string;
  name: string;
  monthly_budget_usd: string | null;
  created_at: Date;
}

const COLUMNS = 'id, slug, name, monthly_budget_usd, created_at';

function toRow(row: DbRow): TenantRow {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    monthlyBudgetUsd: row.monthly_budget_usd === null ? null : Number(row.monthly_budget_usd),
    createdAt: row.created_at,
  };
}

/** The `tenants` table. */
@Injectable()
export class TenantRepository {
  constructor(private readonly db: PgPoolService) {}

  /** Throws pg's unique violation (23505) when the slug is taken. */
  async create(input: { slug: string; name: string; monthlyBudgetUsd?: number }): Promise<TenantRow> {
    const { rows } = await this.db.pool.query<DbRow>(
      `INSERT INTO tenants (slug, name, monthly_budget_usd) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`,
      [input.slug, input.name, input.monthlyBudgetUsd ?? null],
    );
    return toRow(rows[0]);
  }

  async list(): Promise<TenantRow[]> {
    const { rows } = await this.db.pool.query<DbRow>(`SELECT ${COLUMNS} FROM tenants ORDER BY created_at`);
    return rows.map(toRow);
  }

  async findBySlug(slug: string): Promise<TenantRow | null> {
    const { rows } = await this.db.pool.query<DbRow>(`SELECT ${COLUMNS} FROM tenants WHERE slug = $1`, [
      slug,
    ]);
    return rows[0] ? toRow(rows[0]) : null;
  }

  async exists(id: string): Promise<boolean> {
    const { rows } = await this.db.pool.query('SELECT 1 FROM tenants WHERE id = $1', [id]);
    return rows.length > 0;
  }

  /** The tenant's monthly LLM budget in USD; null when none is set or the tenant does not exist. */
  async monthlyBudgetUsd(id: string): Promise<number | null> {
    const { rows } = await this.db.pool.query<{ budget: string | null }>(
      'SELECT monthly_budget_usd AS budget FROM tenants WHERE id = $1',
      [id],
    );
    return rows[0]?.budget == null ? null : Number(rows[0].budget);
  }
}
