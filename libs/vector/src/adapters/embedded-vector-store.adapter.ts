import { createHash } from 'node:crypto';
import { access, constants, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Logger, type OnModuleDestroy } from '@nestjs/common';
import {
  VectorStore,
  type CollectionSpec,
  type VectorFilter,
  type VectorPayloadUpdate,
  type VectorPoint,
  type VectorSearchHit,
  type VectorSearchOptions,
  type VectorStoreHealth,
} from '../ports/vector-store.port';
import { VectorException } from '../vector.exception';
import {
  collectionName,
  validateFilter,
  validateIds,
  validateLimit,
  validatePayloadUpdates,
  validatePoints,
  validateSpec,
  validateTenant,
  validateVector,
} from '../vector-input';
import { DataDirLock } from './embedded/data-dir-lock';
import { TenantIndex } from './embedded/tenant-index';

export interface EmbeddedVectorStoreOptions {
  /** DATA_DIR; the store keeps its files under `<dataDir>/vector`. */
  dataDir: string;
  hnsw: { m: number; efConstruction: number; efSearch: number };
  snapshotDelayMs?: number;
  snapshotMaxWaitMs?: number;
  walMaxBytes?: number;
  /** Initial slots per index; indexes grow by half as needed. */
  initialCapacity?: number;
}

/** Directory per tenant; ids that are not plain lowercase tokens are hashed (case-insensitive file systems). */
function tenantDirName(tenantId: string): string {
  return /^[a-z0-9_-]{1,100}$/.test(tenantId)
    ? `t-${tenantId}`
    : `h-${createHash('sha256').update(tenantId).digest('hex')}`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The zero-setup default: in-process HNSW (hnswlib-node) with one index per (tenant, entity, model), so the
 * tenant filter costs nothing and isolation is structural (another tenant's points are not in the index
 * searched). Durable under DATA_DIR: a write-ahead log fsync'd before each acknowledgement plus debounced
 * atomic snapshots; indexes load lazily on first use. One process per DATA_DIR.
 */
export class EmbeddedVectorStoreAdapter extends VectorStore implements OnModuleDestroy {
  readonly kind = 'embedded' as const;
  private readonly logger = new Logger(EmbeddedVectorStoreAdapter.name);
  private readonly root: string;
  private readonly indexes = new Map<string, Promise<TenantIndex>>();
  private lock: Promise<DataDirLock> | undefined;
  private closed = false;

  constructor(private readonly options: EmbeddedVectorStoreOptions) {
    super();
    this.root = resolve(options.dataDir, 'vector');
  }

  async ensureCollection(spec: CollectionSpec): Promise<void> {
    const valid = validateSpec(spec);
    await this.acquireLock();
    await this.guard(() => mkdir(join(this.root, collectionName(valid)), { recursive: true }));
  }

  async upsert(tenantId: string, spec: CollectionSpec, points: readonly VectorPoint[]): Promise<void> {
    const tenant = validateTenant(tenantId);
    const valid = validateSpec(spec);
    const batch = validatePoints(valid, points);
    if (batch.length === 0) return;
    const index = await this.index(tenant, valid, true);
    await this.guard(() => index!.upsert(batch));
  }

  async setPayload(
    tenantId: string,
    spec: CollectionSpec,
    points: readonly VectorPayloadUpdate[],
  ): Promise<string[]> {
    const tenant = validateTenant(tenantId);
    const valid = validateSpec(spec);
    const updates = validatePayloadUpdates(points);
    if (updates.length === 0) return [];
    const index = await this.index(tenant, valid, false);
    if (!index) return updates.map((u) => u.id);
    return this.guard(() => index.setPayload(updates));
  }

  async delete(tenantId: string, spec: CollectionSpec, ids: readonly string[]): Promise<void> {
    const tenant = validateTenant(tenantId);
    const valid = validateSpec(spec);
    const unique = validateIds(ids);
    if (unique.length === 0) return;
    const index = await this.index(tenant, valid, false);
    if (index) await this.guard(() => index.delete(unique));
  }

  async deleteByFilter(tenantId: string, spec: CollectionSpec, filter: VectorFilter): Promise<void> {
    const tenant = validateTenant(tenantId);
    const valid = validateSpec(spec);
    const normalized = validateFilter(filter);
    const index = await this.index(tenant, valid, false);
    if (index) await this.guard(() => index.deleteByFilter(normalized));
  }

  async search(
    tenantId: string,
    spec: CollectionSpec,
    vector: Float32Array | readonly number[],
    options: VectorSearchOptions,
  ): Promise<VectorSearchHit[]> {
    const tenant = validateTenant(tenantId);
    const valid = validateSpec(spec);
    const query = validateVector(vector, valid.dimensions, 'query vector');
    const limit = validateLimit(options?.limit);
    const filter = validateFilter(options?.filter);
    const index = await this.index(tenant, valid, false);
    return index ? index.search(query, limit, filter) : [];
  }

  async count(tenantId: string, spec: CollectionSpec, filter?: VectorFilter): Promise<number> {
    const tenant = validateTenant(tenantId);
    const valid = validateSpec(spec);
    const normalized = validateFilter(filter);
    const index = await this.index(tenant, valid, false);
    return index ? index.count(normalized) : 0;
  }

  async health(): Promise<VectorStoreHealth> {
    try {
      await this.acquireLock();
      await access(this.root, constants.W_OK);
      return { store: this.kind, up: true };
    } catch (err) {
      return { store: this.kind, up: false, message: err instanceof Error ? err.message : String(err) };
    }
  }

  /** Snapshots every changed index (so the next start replays nothing) and releases DATA_DIR. */
  async onModuleDestroy(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const results = await Promise.allSettled(
      [...this.indexes.values()].map(async (pending) => (await pending).close()),
    );
    for (const r of results) {
      // The write-ahead log still holds these writes; the next start replays them.
      if (r.status === 'rejected') this.logger.error(`vector index flush failed: ${String(r.reason)}`);
    }
    this.indexes.clear();
    const lock = await this.lock?.catch(() => undefined);
    await lock?.release();
  }

  private assertOpen(): void {
    if (this.closed) throw VectorException.unavailable('the embedded vector store is shut down');
  }

  private acquireLock(): Promise<DataDirLock> {
    this.assertOpen();
    if (!this.lock) {
      const pending = DataDirLock.acquire(join(this.root, 'LOCK'));
      this.lock = pending;
      pending.catch(() => {
        if (this.lock === pending) this.lock = undefined;
      });
    }
    return this.guard(() => this.lock!);
  }

  /** Loads (once) the tenant's index; without `create`, a tenant with no data yet has no index. */
  private async index(
    tenantId: string,
    spec: CollectionSpec,
    create: boolean,
  ): Promise<TenantIndex | undefined> {
    await this.acquireLock();
    const dir = join(this.root, collectionName(spec), tenantDirName(tenantId));
    let pending = this.indexes.get(dir);
    if (!pending) {
      if (!create && !(await exists(dir))) return undefined;
      this.assertOpen();
      pending = this.indexes.get(dir);
      if (!pending) {
        const opening = TenantIndex.open({
          dir,
          tenantId,
          spec,
          m: this.options.hnsw.m,
          efConstruction: this.options.hnsw.efConstruction,
          efSearch: this.options.hnsw.efSearch,
          initialCapacity: this.options.initialCapacity ?? 1024,
          snapshotDelayMs: this.options.snapshotDelayMs ?? 2_000,
          snapshotMaxWaitMs: this.options.snapshotMaxWaitMs ?? 30_000,
          walMaxBytes: this.options.walMaxBytes ?? 64 * 1024 * 1024,
          logger: this.logger,
        });
        pending = opening;
        this.indexes.set(dir, opening);
        // A failed load is retried by the next call rather than cached.
        opening.catch(() => {
          if (this.indexes.get(dir) === opening) this.indexes.delete(dir);
        });
      }
    }
    return this.guard(() => pending);
  }

  /** File-system failures (disk full, permissions, corrupt files) make the store unavailable, not a 500. */
  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof VectorException) throw err;
      this.logger.error(`embedded vector store failure: ${err instanceof Error ? err.message : String(err)}`);
      throw VectorException.unavailable('the embedded vector store cannot read or write its data', err);
    }
  }
}
