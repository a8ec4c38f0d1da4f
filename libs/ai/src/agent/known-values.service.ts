import { Injectable, Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { PgPoolService } from '@app/database';
import { SemanticModelService } from '../semantic';

export type KnownValues = Partial<Record<string, readonly string[]>>;

/** Distinct values per free-text dimension read for one tenant; names beyond this are left to sentence shape. */
const VALUES_PER_DIMENSION = 200;
const TTL_MS = 60_000;
/** Dimensions whose values are too many and too unlike words to help ("v1.42.0"). */
const SKIPPED = new Set(['version']);

/**
 * The tenant's own people, projects, repositories, services and labels, so the planner matches "alice" or
 * "payments-api" exactly instead of guessing from the sentence. Read once per tenant and minute, and again after
 * an ETL write (`invalidate`).
 */
@Injectable()
export class KnownValuesService {
  private readonly logger = new Logger(KnownValuesService.name);
  private readonly cache = new LRUCache<string, Promise<KnownValues>>({ max: 5000, ttl: TTL_MS });
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

  get(tenantId: string): Promise<KnownValues> {
    const cached = this.cache.get(tenantId);
    if (cached) return cached;
    const loading = this.load(tenantId);
    this.cache.set(tenantId, loading);
    return loading;
  }

  invalidate(tenantId: string): void {
    this.cache.delete(tenantId);
  }

  private async load(tenantId: string): Promise<KnownValues> {
    if (!this.sql) return {};
    try {
      const { rows } = await this.pg.pool.query<{ k: string; v: string | null }>(this.sql, [tenantId]);
      const out: Record<string, string[]> = {};
      for (const { k, v } of rows) {
        if (v && v.trim()) (out[k] ??= []).push(v);
      }
      return out;
    } catch (err) {
      // Planning still works without them; try again on the next question.
      this.logger.warn(`Reading known values failed: ${String(err)}`);
      this.cache.delete(tenantId);
      return {};
    }
  }
}
