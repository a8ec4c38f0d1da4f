import { Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Schemas } from '@qdrant/js-client-rest';
import { ExponentialBackoff, handleWhen, retry, type RetryPolicy } from 'cockatiel';
import { v5 as uuidv5 } from 'uuid';
import {
  RESERVED_PAYLOAD_KEYS,
  VECTOR_FILTER_FIELDS,
  VectorStore,
  type CollectionSpec,
  type VectorFilter,
  type VectorPayload,
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
  type NormalizedFilter,
} from '../vector-input';
import { QdrantHttp, QdrantHttpError } from './qdrant/qdrant-http';

export interface QdrantVectorStoreOptions {
  url: string;
  apiKey?: string;
  /** Per request. */
  timeoutMs?: number;
  /** Builds per-tenant graphs with this many links (payload_m); see ensureCollection. */
  hnswM: number;
  hnswEfConstruct: number;
  efSearch: number;
  /** Scalar int8 quantisation (4x less vector memory; results are rescored with the original vectors). */
  quantization: boolean;
  upsertBatchSize?: number;
  retry?: { maxAttempts: number; initialDelayMs: number; maxDelayMs: number };
}

/** Fixed namespace for point ids: UUIDv5 over (tenant, entity, externalId) gives every record one stable id. */
const POINT_ID_NAMESPACE = '5f0d3a52-6c1e-4c2b-9a57-2f8e8d1c4b10';
const TENANT_KEY = 'tenant_id';
const EXTERNAL_ID_KEY = 'external_id';

type Condition = Schemas['Condition'];

function statusOf(err: unknown): number | undefined {
  return err instanceof QdrantHttpError ? err.status : undefined;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** Network failures, timeouts, and the 502/503/504 a restarting server or its proxy answers. */
function isTransient(err: unknown): boolean {
  const status = statusOf(err);
  if (status !== undefined) return status === 502 || status === 503 || status === 504;
  // Compared by code, not instanceof: undici's errors may come from another realm (jest).
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  }
  return false;
}

export function qdrantPointId(tenantId: string, entity: string, externalId: string): string {
  // JSON keeps the parts unambiguous whatever characters the ids contain.
  return uuidv5(JSON.stringify([tenantId, entity, externalId]), POINT_ID_NAMESPACE);
}

function stripReserved(payload: Record<string, unknown> | null | undefined): VectorPayload {
  const out: VectorPayload = { ...payload };
  for (const key of RESERVED_PAYLOAD_KEYS) delete out[key];
  return out;
}

/**
 * Qdrant as recommended for multitenancy: one collection per entity and model, every point carrying
 * `tenant_id` (keyword index, `is_tenant`), and a `must` tenant condition built into every query, count and
 * delete here (callers cannot omit it). Transient failures are retried with backoff, then reported as
 * DEPENDENCY_UNAVAILABLE.
 */
export class QdrantVectorStoreAdapter extends VectorStore implements OnModuleDestroy {
  readonly kind = 'qdrant' as const;
  private readonly logger = new Logger(QdrantVectorStoreAdapter.name);
  private readonly http: QdrantHttp;
  private readonly policy: RetryPolicy;
  private readonly ensured = new Map<string, Promise<void>>();

  constructor(private readonly options: QdrantVectorStoreOptions) {
    super();
    this.http = new QdrantHttp({
      url: options.url,
      apiKey: options.apiKey,
      timeoutMs: options.timeoutMs ?? 10_000,
    });
    const r = options.retry ?? { maxAttempts: 4, initialDelayMs: 100, maxDelayMs: 1_000 };
    this.policy = retry(handleWhen(isTransient), {
      maxAttempts: r.maxAttempts,
      backoff: new ExponentialBackoff({ initialDelay: r.initialDelayMs, maxDelay: r.maxDelayMs }),
    });
  }

  async ensureCollection(spec: CollectionSpec): Promise<void> {
    await this.ensure(validateSpec(spec));
  }

  async upsert(tenantId: string, spec: CollectionSpec, points: readonly VectorPoint[]): Promise<void> {
    const tenant = validateTenant(tenantId);
    const valid = validateSpec(spec);
    const batch = validatePoints(valid, points);
    if (batch.length === 0) return;
    const name = await this.ensure(valid);
    const size = this.options.upsertBatchSize ?? 256;
    for (let i = 0; i < batch.length; i += size) {
      const chunk = batch.slice(i, i + size).map((p) => ({
        id: qdrantPointId(tenant, valid.entity, p.id),
        vector: p.vector,
        payload: { ...p.payload, [TENANT_KEY]: tenant, [EXTERNAL_ID_KEY]: p.id },
      }));
      const body: Schemas['PointInsertOperations'] = { points: chunk };
      await this.call(
        name,
        () => this.http.request('PUT', `/collections/${name}/points?wait=true`, body),
        valid,
      );
    }
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
    const name = collectionName(valid);
    const ids = updates.map((u) => qdrantPointId(tenant, valid.entity, u.id));
    const found = await this.call(name, () =>
      this.http.request<Schemas['Record'][]>('POST', `/collections/${name}/points`, {
        ids,
        with_payload: false,
        with_vector: false,
      }),
    );
    const stored = new Set((found ?? []).map((p) => String(p.id)));
    const operations = updates
      .filter((_, i) => stored.has(ids[i]))
      .map((u) => ({
        overwrite_payload: {
          payload: { ...u.payload, [TENANT_KEY]: tenant, [EXTERNAL_ID_KEY]: u.id },
          points: [qdrantPointId(tenant, valid.entity, u.id)],
        },
      }));
    if (operations.length > 0) {
      await this.call(name, () =>
        this.http.request('POST', `/collections/${name}/points/batch?wait=true`, { operations }),
      );
    }
    return updates.filter((_, i) => !stored.has(ids[i])).map((u) => u.id);
  }

  async delete(tenantId: string, spec: CollectionSpec, ids: readonly string[]): Promise<void> {
    const tenant = validateTenant(tenantId);
    const valid = validateSpec(spec);
    const unique = validateIds(ids);
    if (unique.length === 0) return;
    const hasId = unique.map((id) => qdrantPointId(tenant, valid.entity, id));
    await this.deleteWhere(tenant, valid, [{ has_id: hasId }]);
  }

  async deleteByFilter(tenantId: string, spec: CollectionSpec, filter: VectorFilter): Promise<void> {
    const tenant = validateTenant(tenantId);
    const valid = validateSpec(spec);
    await this.deleteWhere(tenant, valid, this.conditions(validateFilter(filter)));
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
    const name = collectionName(valid);
    const body: Schemas['QueryRequest'] = {
      query,
      limit,
      filter: this.tenantFilter(tenant, this.conditions(filter)),
      params: {
        // A filter on top of the tenant thins the graph out: at 100k points, status (20%) recall@10 was 0.92 at
        // ef 128, 0.996 at 4x (p50 3.6 ms); ACORN also gave 1.0 but at p50 7.8 / p99 36 ms (bench:vector).
        hnsw_ef: Math.max(this.options.efSearch, limit) * (filter.length > 0 ? 4 : 1),
      },
      with_payload: true,
    };
    const result = await this.call(name, () =>
      this.http.request<Schemas['QueryResponse']>('POST', `/collections/${name}/points/query`, body),
    );
    return (result?.points ?? []).map((p) => ({
      id: String(p.payload?.[EXTERNAL_ID_KEY]),
      score: p.score,
      payload: stripReserved(p.payload),
    }));
  }

  async count(tenantId: string, spec: CollectionSpec, filter?: VectorFilter): Promise<number> {
    const tenant = validateTenant(tenantId);
    const valid = validateSpec(spec);
    const normalized = validateFilter(filter);
    const name = collectionName(valid);
    const body: Schemas['CountRequest'] = {
      filter: this.tenantFilter(tenant, this.conditions(normalized)),
      exact: true,
    };
    const result = await this.call(name, () =>
      this.http.request<Schemas['CountResult']>('POST', `/collections/${name}/points/count`, body),
    );
    return result?.count ?? 0;
  }

  async health(): Promise<VectorStoreHealth> {
    try {
      return (await this.http.ready(2_000))
        ? { store: this.kind, up: true }
        : { store: this.kind, up: false, message: 'Qdrant is not ready' };
    } catch (err) {
      return { store: this.kind, up: false, message: `Qdrant unreachable: ${String(err)}` };
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.ensured.clear();
    await this.http.close();
  }

  private tenantFilter(tenantId: string, must: Condition[]): Schemas['Filter'] {
    return { must: [{ key: TENANT_KEY, match: { value: tenantId } }, ...must] };
  }

  private conditions(filter: NormalizedFilter): Condition[] {
    return filter.map(([field, values]) =>
      values.length === 1
        ? { key: field, match: { value: values[0] } }
        : { key: field, match: { any: [...values] } },
    );
  }

  private async deleteWhere(tenantId: string, spec: CollectionSpec, must: Condition[]): Promise<void> {
    const name = collectionName(spec);
    const body: Schemas['PointsSelector'] = { filter: this.tenantFilter(tenantId, must) };
    await this.call(name, () =>
      this.http.request('POST', `/collections/${name}/points/delete?wait=true`, body),
    );
  }

  /**
   * Creates the collection and its payload indexes once per process. Keeps the global graph (m) besides the
   * per-tenant ones (payload_m): the documented `m: 0` variant (per-tenant graphs only) returned no hits at all
   * for tenant + status queries at 100k points here (Qdrant 1.16.3), while exact search found 10.
   */
  private ensure(spec: CollectionSpec): Promise<string> {
    const name = collectionName(spec);
    let pending = this.ensured.get(name);
    if (!pending) {
      pending = this.createCollection(name, spec);
      this.ensured.set(name, pending);
      const created = pending;
      created.catch(() => {
        if (this.ensured.get(name) === created) this.ensured.delete(name);
      });
    }
    return pending.then(() => name);
  }

  private async createCollection(name: string, spec: CollectionSpec): Promise<void> {
    const exists = async () =>
      (
        await this.run(() =>
          this.http.request<Schemas['CollectionExistence']>('GET', `/collections/${name}/exists`),
        )
      ).exists;
    if (!(await exists())) {
      const body: Schemas['CreateCollection'] = {
        vectors: { size: spec.dimensions, distance: 'Cosine' },
        hnsw_config: {
          m: this.options.hnswM,
          payload_m: this.options.hnswM,
          ef_construct: this.options.hnswEfConstruct,
        },
        quantization_config: this.options.quantization
          ? { scalar: { type: 'int8', quantile: 0.99, always_ram: true } }
          : undefined,
      };
      try {
        await this.run(() => this.http.request('PUT', `/collections/${name}`, body));
        this.logger.log(`created Qdrant collection ${name}`);
      } catch (err) {
        // Another process created it in between.
        if (statusOf(err) !== 409 && !(await exists())) throw err;
      }
    }
    // Index creation is idempotent; done on every start so a collection made by an older version gains new fields.
    const indexes: Schemas['CreateFieldIndex'][] = [
      { field_name: TENANT_KEY, field_schema: { type: 'keyword', is_tenant: true } },
      ...VECTOR_FILTER_FIELDS.map((field) => ({ field_name: field, field_schema: 'keyword' as const })),
    ];
    for (const index of indexes) {
      await this.run(() => this.http.request('PUT', `/collections/${name}/index?wait=true`, index));
    }
  }

  /** Retries transient failures; anything still failing becomes DEPENDENCY_UNAVAILABLE. */
  private async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await this.policy.execute(fn);
    } catch (err) {
      if (isTransient(err))
        throw VectorException.unavailable('the vector store (Qdrant) is unavailable', err);
      throw err;
    }
  }

  /**
   * A data call on a collection. A missing collection means nothing was stored yet (reads and deletes see
   * nothing); for an upsert it was dropped behind our back, so it is recreated once and the write retried.
   */
  private async call<T>(
    name: string,
    fn: () => Promise<T>,
    recreate?: CollectionSpec,
  ): Promise<T | undefined> {
    try {
      return await this.run(fn);
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
      this.ensured.delete(name);
      if (!recreate) return undefined;
      await this.ensure(recreate);
      return this.run(fn);
    }
  }
}
