import { createHash } from 'node:crypto';
import { isEntity } from '@app/common';
import {
  MAX_SEARCH_LIMIT,
  RESERVED_PAYLOAD_KEYS,
  VECTOR_FILTER_FIELDS,
  type CollectionSpec,
  type VectorFilterField,
  type VectorPayload,
  type VectorPayloadUpdate,
  type VectorPoint,
} from './ports/vector-store.port';
import { VectorException } from './vector.exception';

/**
 * Input checks shared by both adapters, so bad input fails the same way (VALIDATION_FAILED, never a store
 * error) whichever store is configured.
 */

const MAX_TENANT_LENGTH = 256;
const MAX_ID_LENGTH = 512;
const MAX_MODEL_LENGTH = 256;
const MAX_DIMENSIONS = 65_536;
/** Largest finite float32: anything above becomes Infinity once stored. */
const FLOAT32_MAX = 3.4028234663852886e38;

export interface ValidPoint {
  id: string;
  vector: number[];
  payload: VectorPayload;
}

/** Filter as [field, any-of values] pairs, ANDed. */
export type NormalizedFilter = ReadonlyArray<readonly [VectorFilterField, readonly string[]]>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function hasControlChars(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

export function validateTenant(tenantId: unknown): string {
  if (
    typeof tenantId !== 'string' ||
    tenantId.length === 0 ||
    tenantId.length > MAX_TENANT_LENGTH ||
    hasControlChars(tenantId)
  ) {
    throw VectorException.invalid('tenant id must be a non-empty string');
  }
  return tenantId;
}

export function validateSpec(spec: unknown): CollectionSpec {
  if (!isPlainObject(spec)) throw VectorException.invalid('collection spec must be an object');
  const { entity, model, dimensions } = spec;
  if (!isEntity(entity)) throw VectorException.invalid(`unknown entity ${JSON.stringify(entity)}`);
  if (typeof model !== 'string' || model.length === 0 || model.length > MAX_MODEL_LENGTH) {
    throw VectorException.invalid('model must be a non-empty string');
  }
  if (
    typeof dimensions !== 'number' ||
    !Number.isInteger(dimensions) ||
    dimensions < 1 ||
    dimensions > MAX_DIMENSIONS
  ) {
    throw VectorException.invalid(`dimensions must be an integer in 1..${MAX_DIMENSIONS}`);
  }
  return { entity, model, dimensions };
}

/** Returns a plain array copy; rejects empty, wrong-length, non-finite and zero-length (no direction) vectors. */
export function validateVector(vector: unknown, dimensions: number, what = 'vector'): number[] {
  if (!(vector instanceof Float32Array) && !Array.isArray(vector)) {
    throw VectorException.invalid(`${what} must be an array of numbers`);
  }
  if (vector.length === 0) throw VectorException.invalid(`${what} is empty`);
  if (vector.length !== dimensions) {
    throw VectorException.invalid(`${what} has ${vector.length} dimensions, expected ${dimensions}`, {
      expected: dimensions,
      actual: vector.length,
    });
  }
  const out = new Array<number>(dimensions);
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    const x: unknown = vector[i];
    if (typeof x !== 'number' || !Number.isFinite(x) || Math.abs(x) > FLOAT32_MAX) {
      throw VectorException.invalid(`${what} has a non-finite value at index ${i}`);
    }
    out[i] = x;
    norm += x * x;
  }
  if (norm === 0) throw VectorException.invalid(`${what} has zero length, so it has no direction`);
  return out;
}

function validateId(id: unknown, what: string): string {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
    throw VectorException.invalid(
      `${what} must be a non-empty string of at most ${MAX_ID_LENGTH} characters`,
    );
  }
  return id;
}

export function validateIds(ids: unknown): string[] {
  if (!Array.isArray(ids)) throw VectorException.invalid('ids must be an array');
  return [...new Set(ids.map((id, i) => validateId(id, `ids[${i}]`)))];
}

function validatePayload(payload: unknown, index: number): VectorPayload {
  if (!isPlainObject(payload)) throw VectorException.invalid(`points[${index}].payload must be an object`);
  for (const key of RESERVED_PAYLOAD_KEYS) {
    if (key in payload) throw VectorException.invalid(`points[${index}].payload.${key} is reserved`);
  }
  // A JSON round trip gives both stores the same view of the payload (and a copy the caller cannot mutate).
  let json: string;
  try {
    json = JSON.stringify(payload);
  } catch (err) {
    throw VectorException.invalid(`points[${index}].payload is not JSON-serialisable`, String(err));
  }
  return JSON.parse(json) as VectorPayload;
}

/** Payload replacements by id; later ones with the same id win. */
export function validatePayloadUpdates(
  updates: readonly VectorPayloadUpdate[],
): { id: string; payload: VectorPayload }[] {
  if (!Array.isArray(updates)) throw VectorException.invalid('points must be an array');
  const byId = new Map<string, VectorPayload>();
  (updates as readonly unknown[]).forEach((update, i) => {
    if (!isPlainObject(update)) throw VectorException.invalid(`points[${i}] must be an object`);
    const id = validateId(update.id, `points[${i}].id`);
    byId.delete(id);
    byId.set(id, validatePayload(update.payload ?? {}, i));
  });
  return [...byId].map(([id, payload]) => ({ id, payload }));
}

/** Later points with the same id win, as if the batch were applied one by one. */
export function validatePoints(spec: CollectionSpec, points: readonly VectorPoint[]): ValidPoint[] {
  if (!Array.isArray(points)) throw VectorException.invalid('points must be an array');
  const byId = new Map<string, ValidPoint>();
  (points as readonly unknown[]).forEach((point, i) => {
    if (!isPlainObject(point)) throw VectorException.invalid(`points[${i}] must be an object`);
    const id = validateId(point.id, `points[${i}].id`);
    const vector = validateVector(point.vector, spec.dimensions, `points[${i}].vector`);
    const payload = validatePayload(point.payload ?? {}, i);
    byId.delete(id);
    byId.set(id, { id, vector, payload });
  });
  return [...byId.values()];
}

export function validateFilter(filter: unknown): NormalizedFilter {
  if (filter === undefined || filter === null) return [];
  if (!isPlainObject(filter)) throw VectorException.invalid('filter must be an object');
  const out: [VectorFilterField, string[]][] = [];
  for (const [field, value] of Object.entries(filter)) {
    if (!(VECTOR_FILTER_FIELDS as readonly string[]).includes(field)) {
      throw VectorException.invalid(`unknown filter field '${field}'`, { allowed: VECTOR_FILTER_FIELDS });
    }
    if (value === undefined) continue;
    const values: unknown[] = Array.isArray(value) ? value : [value];
    if (values.length === 0 || values.some((v) => typeof v !== 'string')) {
      throw VectorException.invalid(`filter.${field} must be a string or a non-empty list of strings`);
    }
    out.push([field as VectorFilterField, [...new Set(values as string[])]]);
  }
  return out;
}

export function validateLimit(limit: unknown): number {
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) {
    throw VectorException.invalid(`limit must be an integer in 1..${MAX_SEARCH_LIMIT}`);
  }
  return limit;
}

/** The string values of a payload field that a filter can match (keyword semantics: strings only). */
export function filterableValues(payload: VectorPayload, field: VectorFilterField): string[] {
  const value = payload[field];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

export function matchesFilter(payload: VectorPayload, filter: NormalizedFilter): boolean {
  return filter.every(([field, values]) => filterableValues(payload, field).some((v) => values.includes(v)));
}

/**
 * Stable, readable and safe as a Qdrant collection or directory name: `<entity>__<model slug>__<dims>`.
 * The slug gets a hash suffix whenever it had to change the model id, so two models never share a name.
 */
export function collectionName(spec: CollectionSpec): string {
  let slug = spec.model.toLowerCase().replace(/[^a-z0-9_-]+/g, '_');
  if (slug !== spec.model || slug.length > 64) {
    const hash = createHash('sha256').update(spec.model).digest('hex').slice(0, 10);
    slug = `${slug.slice(0, 48)}_${hash}`;
  }
  return `${spec.entity}__${slug}__${spec.dimensions}`;
}
