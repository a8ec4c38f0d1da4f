import type { Entity } from '@app/common';

/** Payload fields a search or delete may filter on (keyword-indexed in Qdrant, posting lists in the embedded store). */
export const VECTOR_FILTER_FIELDS = [
  'status',
  'type',
  'priority',
  'assignee',
  'project',
  'repository',
  'author',
  'state',
  'service',
  'environment',
] as const;
export type VectorFilterField = (typeof VECTOR_FILTER_FIELDS)[number];

/**
 * Equality on each named field (a list means "any of"); fields are ANDed. A payload value that is an array
 * matches when any element matches, as in Qdrant.
 */
export type VectorFilter = Partial<Record<VectorFilterField, string | readonly string[]>>;

/** Payload keys the stores own; a point's payload may not set them. */
export const RESERVED_PAYLOAD_KEYS = ['tenant_id', 'external_id'] as const;

export const MAX_SEARCH_LIMIT = 100;

/** One collection per entity and embedding model: vectors of different models are never compared. */
export interface CollectionSpec {
  entity: Entity;
  model: string;
  dimensions: number;
}

export type VectorPayload = Record<string, unknown>;

export interface VectorPoint {
  /** The record's externalId; unique per tenant and entity. */
  id: string;
  vector: Float32Array | readonly number[];
  payload: VectorPayload;
}

/** A new payload for a stored point; its vector stays. */
export interface VectorPayloadUpdate {
  id: string;
  payload: VectorPayload;
}

export interface VectorSearchOptions {
  /** 1..100 */
  limit: number;
  filter?: VectorFilter;
}

export interface VectorSearchHit {
  id: string;
  /** Cosine similarity, higher is better. */
  score: number;
  payload: VectorPayload;
}

export interface VectorStoreHealth {
  store: 'embedded' | 'qdrant';
  up: boolean;
  message?: string;
}

/**
 * The vector store port and its DI token. Every data call takes the tenant first and only ever sees that
 * tenant's points; there is no cross-tenant call. Bad input throws VectorException VALIDATION_FAILED, a store
 * that cannot be reached throws DEPENDENCY_UNAVAILABLE.
 */
export abstract class VectorStore {
  abstract readonly kind: VectorStoreHealth['store'];

  /** Idempotent; upsert also ensures its collection, so this only front-loads the work (e.g. at boot). */
  abstract ensureCollection(spec: CollectionSpec): Promise<void>;

  /** Inserts or replaces points by id; resolves once the points are durable and searchable. */
  abstract upsert(tenantId: string, spec: CollectionSpec, points: readonly VectorPoint[]): Promise<void>;

  /**
   * Replaces the payloads of stored points, keeping their vectors (a filterable field changed, the text did
   * not). Returns the ids the store does not hold, which need a full upsert instead.
   */
  abstract setPayload(
    tenantId: string,
    spec: CollectionSpec,
    points: readonly VectorPayloadUpdate[],
  ): Promise<string[]>;

  /** Unknown ids are ignored. */
  abstract delete(tenantId: string, spec: CollectionSpec, ids: readonly string[]): Promise<void>;

  /** An empty filter deletes every point of the tenant in this collection. */
  abstract deleteByFilter(tenantId: string, spec: CollectionSpec, filter: VectorFilter): Promise<void>;

  /** Best first. */
  abstract search(
    tenantId: string,
    spec: CollectionSpec,
    vector: Float32Array | readonly number[],
    options: VectorSearchOptions,
  ): Promise<VectorSearchHit[]>;

  abstract count(tenantId: string, spec: CollectionSpec, filter?: VectorFilter): Promise<number>;

  /** Never throws. */
  abstract health(): Promise<VectorStoreHealth>;

  abstract onModuleDestroy(): Promise<void>;
}
