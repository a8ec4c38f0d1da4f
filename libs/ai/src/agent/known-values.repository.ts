import { Injectable } from '@nestjs/common';
import { PgPoolService } from '@app/database';
import { SemanticModelService } from '../semantic';

/** Distinct values per free-text dimension read for one tenant; names beyond this are left to sentence shape. */
const VALUES_PER_DIMENSION = 200;
/** Dimensions whose values are too many and too unlike words to help ("v1.42.0"). */
const SKIPPED = new Set(['version']);

/**
 * The distinct values of the semantic model's free-text dimensions (people, projects, repositories, services,
 * labels) in one tenant's rows: one statement built once from the model.
 */
@Injectable()
export class KnownValuesRepository {
  private readonly sql: string;

  constructor(
    private readonly pg: PgPoolService,
    models: SemanticModelService,
  ) {
    const parts: string[] = [];
    const q = (id: string) => `"${id.replace(/"/g, '""')}"`;
    const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
    for (const e of Object.values(models.model.entities)) {
      for (const [key, d] of Object.entries(e.dimensions)) {
        if (d.values || SKIPPED.has(key)) continue;
        const value = d.array ? `unnest(${q(d.column)})` : q(d.column);
        parts.push(
          `(SELECT ${lit(key)} AS k, v FROM (SELECT DISTINCT ${value} AS v FROM ${q(e.table)} ` +
            `WHERE ${q(e.tenantColumn)} = $1 AND ${q(d.column)} IS NOT NULL LIMIT ${VALUES_PER_DIMENSION}) s)`,
        );
      }
    }
    this.sql = parts.join(' UNION ALL ');
  }

  /** (dimension key, value) pairs; none when the model has no free-text dimension. */
  async values(tenantId: string): Promise<{ k: string; v: string | null }[]> {
    if (!this.sql) return [];
    const { rows } = await this.pg.pool.query<{ k: string; v: string | null }>(this.sql, [tenantId]);
    return rows;
  }
}
