import { Injectable } from '@nestjs/common';
import { PgPoolService } from '@app/database';

/** One reading of a snapshot metric (WIP, its age) on one UTC day. */
export interface SnapshotRow {
  tenantId: string;
  metric: string;
  dimensionName: string;
  dimensionValue: string;
  /** YYYY-MM-DD (UTC). */
  day: string;
  value: number | null;
  volume: number;
}

interface DbRow {
  tenant_id: string;
  metric: string;
  dimension_name: string;
  dimension_value: string;
  day: string;
  value: number | null;
  volume: number;
}

/** Every SQL statement over insight_snapshots: the readings of metrics the data has no history of. */
@Injectable()
export class InsightSnapshotsRepository {
  constructor(private readonly pg: PgPoolService) {}

  /**
   * Records readings, one row per tenant, metric, dimension and day: a later run the same day overwrites the
   * day's row, so the day keeps its latest reading and re-runs never add rows.
   */
  async record(rows: readonly SnapshotRow[]): Promise<void> {
    if (rows.length === 0) return;
    const cols = ['tenant_id', 'metric', 'dimension_name', 'dimension_value', 'day', 'value', 'volume'];
    await this.pg.pool.query(
      `INSERT INTO insight_snapshots (${cols.join(', ')})
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::date[], $6::float8[], $7::int[])
       ON CONFLICT (tenant_id, metric, dimension_name, dimension_value, day) DO UPDATE SET
         value = EXCLUDED.value, volume = EXCLUDED.volume, recorded_at = now()`,
      [
        rows.map((r) => r.tenantId),
        rows.map((r) => r.metric),
        rows.map((r) => r.dimensionName),
        rows.map((r) => r.dimensionValue),
        rows.map((r) => r.day),
        rows.map((r) => r.value),
        rows.map((r) => Math.round(r.volume)),
      ],
    );
  }

  /** A tenant's readings of one metric on days in [from, to), all dimensions, oldest first. */
  async readings(tenantId: string, metric: string, from: string, to: string): Promise<SnapshotRow[]> {
    const { rows } = await this.pg.pool.query<DbRow>(
      `SELECT tenant_id, metric, dimension_name, dimension_value, to_char(day, 'YYYY-MM-DD') AS day, value, volume
       FROM insight_snapshots
       WHERE tenant_id = $1 AND metric = $2 AND day >= $3::date AND day < $4::date
       ORDER BY day, dimension_name, dimension_value`,
      [tenantId, metric, from, to],
    );
    return rows.map((r) => ({
      tenantId: r.tenant_id,
      metric: r.metric,
      dimensionName: r.dimension_name,
      dimensionValue: r.dimension_value,
      day: r.day,
      value: r.value,
      volume: r.volume,
    }));
  }
}
