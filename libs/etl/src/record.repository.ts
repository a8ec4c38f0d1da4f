import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { Entity } from '@app/common';
import { PgPoolService } from '@app/database';
import { ENTITY_DEFINITIONS, type EntityDefinition } from './entities/entity-definition';

export interface StoredRecord {
  externalId: string;
  contentHash: string;
  ingestedAt: Date;
  /** The stored vector was made from this record's text and the last attempt did not fail. */
  vectorOk: boolean;
  fields: Record<string, unknown>;
}

export interface UpsertOutcome {
  externalId: string;
  /** null when the record is new. */
  previousHash: string | null;
  contentHash: string;
}

function quote(ident: string): string {
  return `"${ident}"`;
}

/** Counts for one entity's records of a tenant (or of one batch): vectorized by the given model, failed. */
export interface VectorProgress {
  records: number;
  vectorized: number;
  failed: number;
  /** Seconds the oldest record still waiting (not failed) has waited; null when none waits. */
  lagSeconds: number | null;
}

/** A record's vector is current: made from its present content by `modelParam`'s model. */
function vectorDone(modelParam: string): string {
  return `vectorized_at IS NOT NULL AND vector_hash = content_hash AND embedding_model = ${modelParam}`;
}

/**
 * SQL for the business tables, built from the entity definitions. Every statement names the tenant; the
 * tables are only ever touched through here by the ETL.
 */
@Injectable()
export class RecordRepository {
  private readonly upsertSql = new Map<Entity, string>();

  constructor(private readonly db: PgPoolService) {
    for (const def of Object.values(ENTITY_DEFINITIONS))
      this.upsertSql.set(def.entity, this.buildUpsert(def));
  }

  /**
   * Upserts a batch in one statement. Returns only rows that were inserted or changed, with their previous
   * content hash: unchanged rows are not written at all (so re-sending a batch touches nothing).
   */
  async upsert(
    client: PoolClient,
    tenantId: string,
    entity: Entity,
    batchId: string,
    rows: Record<string, unknown>[],
  ): Promise<UpsertOutcome[]> {
    const { rows: result } = await client.query<{
      external_id: string;
      previous_hash: string | null;
      content_hash: string;
    }>(this.upsertSql.get(entity)!, [tenantId, batchId, JSON.stringify(rows)]);
    return result.map((r) => ({
      externalId: r.external_id,
      previousHash: r.previous_hash,
      contentHash: r.content_hash,
    }));
  }

  async load(tenantId: string, entity: Entity, externalIds: string[]): Promise<StoredRecord[]> {
    const def = ENTITY_DEFINITIONS[entity];
    const select = def.columns.map((c) => `${quote(c.column)} AS ${quote(c.field)}`).join(', ');
    const { rows } = await this.db.pool.query<
      Record<string, unknown> & { content_hash: string; ingested_at: Date; vector_ok: boolean }
    >(
      `SELECT ${select}, content_hash, ingested_at,
              vectorized_at IS NOT NULL AND vector_error IS NULL AS vector_ok
         FROM ${entity} WHERE tenant_id = $1 AND external_id = ANY($2::text[])`,
      [tenantId, externalIds],
    );
    return rows.map(({ content_hash, ingested_at, vector_ok, ...fields }) => ({
      externalId: fields.externalId as string,
      contentHash: content_hash,
      ingestedAt: ingested_at,
      vectorOk: vector_ok,
      fields: Object.fromEntries(
        Object.entries(fields).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]),
      ),
    }));
  }

  /**
   * Marks records vectorized only if their content is still the one that was embedded; returns the ids marked.
   * A record changed meanwhile stays pending (its newer job will embed the newer text).
   */
  async markVectorized(
    tenantId: string,
    entity: Entity,
    model: string,
    done: { externalId: string; contentHash: string }[],
  ): Promise<{ externalId: string; lagSeconds: number }[]> {
    if (done.length === 0) return [];
    const { rows } = await this.db.pool.query<{ external_id: string; lag: number }>(
      `UPDATE ${entity} t SET vectorized_at = now(), embedding_model = $2, vector_hash = d.hash, vector_error = NULL
         FROM unnest($3::text[], $4::text[]) AS d(external_id, hash)
        WHERE t.tenant_id = $1 AND t.external_id = d.external_id AND t.content_hash = d.hash
       RETURNING t.external_id, EXTRACT(EPOCH FROM (t.vectorized_at - t.ingested_at))::float8 AS lag`,
      [tenantId, model, done.map((d) => d.externalId), done.map((d) => d.contentHash)],
    );
    return rows.map((r) => ({ externalId: r.external_id, lagSeconds: r.lag }));
  }

  async markFailed(
    tenantId: string,
    entity: Entity,
    failures: { externalId: string; error: string }[],
  ): Promise<void> {
    if (failures.length === 0) return;
    await this.db.pool.query(
      `UPDATE ${entity} t SET vector_error = left(d.error, 1000)
         FROM unnest($2::text[], $3::text[]) AS d(external_id, error)
        WHERE t.tenant_id = $1 AND t.external_id = d.external_id
          AND (t.vectorized_at IS NULL OR t.vector_hash IS DISTINCT FROM t.content_hash)`,
      [tenantId, failures.map((f) => f.externalId), failures.map((f) => f.error)],
    );
  }

  async remove(tenantId: string, entity: Entity, externalId: string): Promise<boolean> {
    const { rowCount } = await this.db.pool.query(
      `DELETE FROM ${entity} WHERE tenant_id = $1 AND external_id = $2`,
      [tenantId, externalId],
    );
    return (rowCount ?? 0) > 0;
  }

  /** Ids of records whose vector is missing, outdated, or made by another model; paged by external id. */
  async stale(
    tenantId: string,
    entity: Entity,
    model: string,
    after: string,
    limit: number,
    options: { includeFailed: boolean; settledForMs?: number },
  ): Promise<string[]> {
    const { rows } = await this.db.pool.query<{ external_id: string }>(
      `SELECT external_id FROM ${entity}
        WHERE tenant_id = $1 AND external_id > $3
          AND (vectorized_at IS NULL OR vector_hash IS DISTINCT FROM content_hash OR embedding_model IS DISTINCT FROM $2)
          AND ($5 OR vector_error IS NULL)
          AND ingested_at < now() - make_interval(secs => $6::float8 / 1000)
        ORDER BY external_id LIMIT $4`,
      [tenantId, model, after, limit, options.includeFailed, options.settledForMs ?? 0],
    );
    return rows.map((r) => r.external_id);
  }

  async countVectorized(tenantId: string, entity: Entity, model: string): Promise<number> {
    const { rows } = await this.db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${entity} WHERE tenant_id = $1 AND vectorized_at IS NOT NULL AND embedding_model = $2`,
      [tenantId, model],
    );
    return rows[0].n;
  }

  /** Forgets that records were vectorized (their vectors went missing from the store). */
  async resetVectorized(tenantId: string, entity: Entity): Promise<number> {
    const { rowCount } = await this.db.pool.query(
      `UPDATE ${entity} SET vectorized_at = NULL, vector_hash = NULL WHERE tenant_id = $1 AND vectorized_at IS NOT NULL`,
      [tenantId],
    );
    return rowCount ?? 0;
  }

  async clearErrors(tenantId: string | undefined, entity: Entity): Promise<number> {
    const { rowCount } = await this.db.pool.query(
      `UPDATE ${entity} SET vector_error = NULL WHERE vector_error IS NOT NULL AND ($1::uuid IS NULL OR tenant_id = $1)`,
      [tenantId ?? null],
    );
    return rowCount ?? 0;
  }

  /** The given ids that still exist for this tenant. */
  /** Vectorization progress of the tenant's records of one entity, or of those last written by `batchId`. */
  async progress(tenantId: string, entity: Entity, model: string, batchId?: string): Promise<VectorProgress> {
    const { rows } = await this.db.pool.query<VectorProgress>(
      `SELECT count(*)::int AS records,
              count(*) FILTER (WHERE ${vectorDone('$2')})::int AS vectorized,
              count(*) FILTER (WHERE vector_error IS NOT NULL AND NOT (${vectorDone('$2')}))::int AS failed,
              EXTRACT(EPOCH FROM now() - min(ingested_at) FILTER (WHERE vector_error IS NULL AND NOT (${vectorDone('$2')})))::float8 AS "lagSeconds"
         FROM ${entity} WHERE tenant_id = $1 AND ($3::uuid IS NULL OR last_batch_id = $3)`,
      [tenantId, model, batchId ?? null],
    );
    return rows[0];
  }

  async tenantsWithRecords(): Promise<string[]> {
    const { rows } = await this.db.pool.query<{ id: string }>('SELECT id FROM tenants ORDER BY created_at');
    return rows.map((r) => r.id);
  }

  private buildUpsert(def: EntityDefinition): string {
    const table = def.entity;
    const cols = def.columns;
    const recordset = cols.map((c) => `${quote(c.field)} ${c.type}`).join(', ');
    const insertCols = ['tenant_id', 'last_batch_id', ...cols.map((c) => c.column)].map(quote).join(', ');
    const selectCols = ['$1::uuid', '$2::uuid', ...cols.map((c) => this.valueExpr(c.field, c.type))].join(
      ', ',
    );
    const dataCols = cols.filter((c) => c.column !== 'external_id');
    // content_hash and embed_hash are generated by the database; the vector is current while
    // vector_hash = content_hash, so nothing here resets it (the worker clears a failure when it succeeds).
    const updates = [
      ...dataCols.map((c) => `${quote(c.column)} = EXCLUDED.${quote(c.column)}`),
      'last_batch_id = EXCLUDED.last_batch_id',
      'ingested_at = now()',
    ].join(',\n        ');
    const current = dataCols.map((c) => `${table}.${quote(c.column)}`).join(', ');
    const incoming = dataCols.map((c) => `EXCLUDED.${quote(c.column)}`).join(', ');
    return `
      WITH incoming AS (SELECT * FROM jsonb_to_recordset($3::jsonb) AS i(${recordset})),
      previous AS (
        SELECT t.external_id, t.content_hash FROM ${table} t
        JOIN incoming i ON i."externalId" = t.external_id WHERE t.tenant_id = $1
      ),
      written AS (
        INSERT INTO ${table} (${insertCols})
        SELECT ${selectCols} FROM incoming i
        ON CONFLICT (tenant_id, external_id) DO UPDATE SET
        ${updates}
        WHERE (${current}) IS DISTINCT FROM (${incoming})
        RETURNING external_id, content_hash
      )
      SELECT w.external_id, p.content_hash AS previous_hash, w.content_hash
      FROM written w LEFT JOIN previous p ON p.external_id = w.external_id`;
  }

  /** Optional arrays default to empty (the columns are NOT NULL) and optional counts to 0. */
  private valueExpr(field: string, type: string): string {
    const ref = `i.${quote(field)}`;
    if (type === 'text[]') return `COALESCE(${ref}, '{}')`;
    if (type === 'integer' && field !== 'storyPoints') return `COALESCE(${ref}, 0)`;
    return ref;
  }
}
