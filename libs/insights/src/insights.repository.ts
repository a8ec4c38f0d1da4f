import { Injectable } from '@nestjs/common';
import { PgPoolService } from '@app/database';
import type { Direction, Grain, Severity } from './insights.types';

export interface InsightRow {
  id: string;
  tenantId: string;
  metric: string;
  grain: Grain;
  dimensionName: string;
  dimensionValue: string;
  kind: string;
  windowStart: string;
  windowEnd: string;
  direction: Direction;
  observed: number;
  expected: number;
  expectedLow: number;
  expectedHigh: number;
  deviations: number;
  volume: number;
  severity: Severity;
  summary: string;
  evidenceSql: string;
  status: 'open' | 'dismissed';
  detectedAt: string;
  alertedAt: string | null;
}

export type InsightWrite = Omit<InsightRow, 'id' | 'status' | 'detectedAt' | 'alertedAt'>;

export interface InsightFilter {
  since?: Date;
  severities?: Severity[];
  metric?: string;
  limit: number;
}

const COLUMNS = `id, tenant_id, metric, grain, dimension_name, dimension_value, kind, window_start, window_end,
  direction, observed, expected, expected_low, expected_high, deviations, volume, severity, summary, evidence_sql,
  status, detected_at, alerted_at`;

/** The columns that say which series and window a finding is about (the unique key's). */
const KEY_COLUMNS: [string, keyof InsightWrite][] = [
  ['tenant_id', 'tenantId'],
  ['metric', 'metric'],
  ['grain', 'grain'],
  ['dimension_name', 'dimensionName'],
  ['dimension_value', 'dimensionValue'],
  ['window_start', 'windowStart'],
];
/** The columns a detection writes about what it found: set on insert, replaced on a re-run or an extension. */
const FINDING_COLUMNS: [string, keyof InsightWrite][] = [
  ['kind', 'kind'],
  ['window_end', 'windowEnd'],
  ['direction', 'direction'],
  ['observed', 'observed'],
  ['expected', 'expected'],
  ['expected_low', 'expectedLow'],
  ['expected_high', 'expectedHigh'],
  ['deviations', 'deviations'],
  ['volume', 'volume'],
  ['severity', 'severity'],
  ['summary', 'summary'],
  ['evidence_sql', 'evidenceSql'],
];

interface DbRow {
  id: string;
  tenant_id: string;
  metric: string;
  grain: Grain;
  dimension_name: string;
  dimension_value: string;
  kind: string;
  window_start: Date;
  window_end: Date;
  direction: Direction;
  observed: number;
  expected: number;
  expected_low: number;
  expected_high: number;
  deviations: number;
  volume: number;
  severity: Severity;
  summary: string;
  evidence_sql: string;
  status: 'open' | 'dismissed';
  detected_at: Date;
  alerted_at: Date | null;
}

const toRow = (r: DbRow): InsightRow => ({
  id: r.id,
  tenantId: r.tenant_id,
  metric: r.metric,
  grain: r.grain,
  dimensionName: r.dimension_name,
  dimensionValue: r.dimension_value,
  kind: r.kind,
  windowStart: r.window_start.toISOString(),
  windowEnd: r.window_end.toISOString(),
  direction: r.direction,
  observed: r.observed,
  expected: r.expected,
  expectedLow: r.expected_low,
  expectedHigh: r.expected_high,
  deviations: r.deviations,
  volume: r.volume,
  severity: r.severity,
  summary: r.summary,
  evidenceSql: r.evidence_sql,
  status: r.status,
  detectedAt: r.detected_at.toISOString(),
  alertedAt: r.alerted_at ? r.alerted_at.toISOString() : null,
});

/** Every SQL statement over the insights table and the scheduler's views of tenants and ETL batches. */
@Injectable()
export class InsightsRepository {
  constructor(private readonly pg: PgPoolService) {}

  /** The tenant's findings whose window ends at or after `since`: candidates a new detection may continue. */
  async recent(tenantId: string, since: Date): Promise<InsightRow[]> {
    const { rows } = await this.pg.pool.query<DbRow>(
      `SELECT ${COLUMNS} FROM insights WHERE tenant_id = $1 AND window_end >= $2 ORDER BY window_start`,
      [tenantId, since],
    );
    return rows.map(toRow);
  }

  /**
   * Inserts a finding, or updates the one with the same series and window start (a re-run of the same window).
   * A dismissed finding stays dismissed. `inserted` tells a new finding from a re-detected one.
   */
  async upsert(w: InsightWrite): Promise<{ row: InsightRow; inserted: boolean }> {
    const columns = [...KEY_COLUMNS, ...FINDING_COLUMNS];
    const { rows } = await this.pg.pool.query<DbRow & { inserted: boolean }>(
      `INSERT INTO insights (${columns.map(([c]) => c).join(', ')})
       VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})
       ON CONFLICT (tenant_id, metric, grain, dimension_name, dimension_value, window_start) DO UPDATE SET
         ${FINDING_COLUMNS.map(([c]) => `${c} = EXCLUDED.${c}`).join(', ')}, updated_at = now()
       RETURNING ${COLUMNS}, (xmax = 0) AS inserted`,
      columns.map(([, field]) => w[field]),
    );
    return { row: toRow(rows[0]), inserted: rows[0].inserted };
  }

  /**
   * Extends an earlier finding that the new detection continues: its window start is kept, its end only
   * grows, and every other finding column takes the new detection's value.
   */
  async extend(tenantId: string, id: string, w: InsightWrite): Promise<InsightRow> {
    const updated = FINDING_COLUMNS.filter(([c]) => c !== 'window_end');
    const { rows } = await this.pg.pool.query<DbRow>(
      `UPDATE insights SET window_end = GREATEST(window_end, $3),
         ${updated.map(([c], i) => `${c} = $${i + 4}`).join(', ')}, updated_at = now()
       WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [tenantId, id, w.windowEnd, ...updated.map(([, field]) => w[field])],
    );
    return toRow(rows[0]);
  }

  async list(tenantId: string, f: InsightFilter): Promise<InsightRow[]> {
    const { rows } = await this.pg.pool.query<DbRow>(
      `SELECT ${COLUMNS} FROM insights
       WHERE tenant_id = $1 AND ($2::timestamptz IS NULL OR detected_at >= $2 OR window_end > $2)
         AND ($3::text[] IS NULL OR severity = ANY($3)) AND ($4::text IS NULL OR metric = $4)
       ORDER BY window_end DESC, CASE severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, metric, id
       LIMIT $5`,
      [tenantId, f.since ?? null, f.severities ?? null, f.metric ?? null, f.limit],
    );
    return rows.map(toRow);
  }

  async get(tenantId: string, id: string): Promise<InsightRow | null> {
    const { rows } = await this.pg.pool.query<DbRow>(
      `SELECT ${COLUMNS} FROM insights WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
    return rows[0] ? toRow(rows[0]) : null;
  }

  async dismiss(tenantId: string, id: string): Promise<InsightRow | null> {
    const { rows } = await this.pg.pool.query<DbRow>(
      `UPDATE insights SET status = 'dismissed', updated_at = now() WHERE tenant_id = $1 AND id = $2
       RETURNING ${COLUMNS}`,
      [tenantId, id],
    );
    return rows[0] ? toRow(rows[0]) : null;
  }

  /** Records that a finding's alert went out; false when it already had. */
  async markAlerted(tenantId: string, id: string): Promise<boolean> {
    const { rowCount } = await this.pg.pool.query(
      `UPDATE insights SET alerted_at = now() WHERE tenant_id = $1 AND id = $2 AND alerted_at IS NULL`,
      [tenantId, id],
    );
    return rowCount === 1;
  }

  async tenantIds(): Promise<string[]> {
    const { rows } = await this.pg.pool.query<{ id: string }>(`SELECT id FROM tenants ORDER BY id`);
    return rows.map((r) => r.id);
  }

  /** Tenants whose ETL batches inserted or updated at least `minRows` rows since `since`. */
  async tenantsWithEtlChanges(since: Date, minRows: number): Promise<string[]> {
    const { rows } = await this.pg.pool.query<{ tenant_id: string }>(
      `SELECT tenant_id FROM etl_batches WHERE created_at >= $1
       GROUP BY tenant_id HAVING sum(inserted + updated) >= $2 ORDER BY tenant_id`,
      [since, minRows],
    );
    return rows.map((r) => r.tenant_id);
  }
}
