import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { Entity } from '@app/common';
import type { ChangeOp } from '../vectorize.service';
import { PgPoolService } from '@app/database';

/** One tenant's changes to one table: the unit a worker drains, so one vector collection per batch. */
export interface OutboxGroup {
  tenantId: string;
  entity: Entity;
}

export interface OutboxChange {
  id: string;
  externalId: string;
  op: ChangeOp;
}

/** change_outbox, written by the business tables' triggers (prisma/migrations/20261207050000_change_capture). */
@Injectable()
export class ChangeOutboxRepository {
  constructor(private readonly db: PgPoolService) {}

  /** The next group with pending changes after `after` in (tenant, table) order; wraps around when none follow. */
  async nextGroup(client: PoolClient, after: OutboxGroup | null): Promise<OutboxGroup | null> {
    const { rows } = await client.query<{ tenant_id: string; table_name: Entity }>(
      after
        ? `SELECT tenant_id, table_name FROM change_outbox WHERE (tenant_id, table_name) > ($1::uuid, $2::text)
            ORDER BY tenant_id, table_name LIMIT 1`
        : 'SELECT tenant_id, table_name FROM change_outbox ORDER BY tenant_id, table_name LIMIT 1',
      after ? [after.tenantId, after.entity] : [],
    );
    if (rows[0]) return { tenantId: rows[0].tenant_id, entity: rows[0].table_name };
    return after ? this.nextGroup(client, null) : null;
  }

  /**
   * One worker per group at a time (until the transaction ends), so a group's changes are applied in order:
   * a delete can never overtake the re-insert that followed it.
   */
  async lockGroup(client: PoolClient, group: OutboxGroup): Promise<boolean> {
    const { rows } = await client.query<{ locked: boolean }>(
      `SELECT pg_try_advisory_xact_lock(hashtextextended('pulse_outbox:' || $1 || ':' || $2, 0)) AS locked`,
      [group.tenantId, group.entity],
    );
    return rows[0].locked;
  }

  /** The group's oldest changes, locked until the transaction ends (a killed worker's rows go back). */
  async claim(client: PoolClient, group: OutboxGroup, limit: number): Promise<OutboxChange[]> {
    const { rows } = await client.query<{ id: string; external_id: string; op: ChangeOp }>(
      `SELECT id, external_id, op FROM change_outbox WHERE tenant_id = $1 AND table_name = $2
        ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED`,
      [group.tenantId, group.entity, limit],
    );
    return rows.map((r) => ({ id: r.id, externalId: r.external_id, op: r.op }));
  }

  async remove(client: PoolClient, ids: readonly string[]): Promise<void> {
    await client.query('DELETE FROM change_outbox WHERE id = ANY($1::bigint[])', [ids]);
  }

  /** Changes not yet applied to the vector store. */
  async pending(): Promise<number> {
    const { rows } = await this.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM change_outbox');
    return rows[0].n;
  }
}
