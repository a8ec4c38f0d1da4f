import { Injectable } from '@nestjs/common';
import { ENTITIES, ErrorCode, type Entity } from '@app/common';
import { EmbeddingService } from '@app/embedding';
import { MetricsService } from '@app/metrics';
import { VECTOR_FILTER_FIELDS, VectorStore, type VectorFilter, type VectorFilterField } from '@app/vector';
import type { SearchHitDto, SearchRequestDto } from './search.dto';
import { SearchRepository } from './search.repository';
import { SearchException } from './search.exception';

/** Filter fields that exist on each entity's payload. */
const ENTITY_FIELDS: Record<Entity, readonly VectorFilterField[]> = {
  work_items: ['status', 'type', 'priority', 'assignee', 'project'],
  pull_requests: ['repository', 'author', 'state'],
  deployments: ['service', 'environment', 'status'],
};

/** Semantic search over the caller's records: embed the query, search each entity's collection, merge best first. */
@Injectable()
export class SearchService {
  constructor(
    private readonly embeddings: EmbeddingService,
    private readonly vectors: VectorStore,
    private readonly records: SearchRepository,
    private readonly metrics: MetricsService,
  ) {}

  async search(tenantId: string, request: SearchRequestDto): Promise<SearchHitDto[]> {
    const filter = this.parseFilter(request.filter);
    const limit = request.limit ?? 10;
    const fields = Object.keys(filter) as VectorFilterField[];
    const entities = (request.entity ? [request.entity] : [...ENTITIES]).filter((e) =>
      fields.every((f) => ENTITY_FIELDS[e].includes(f)),
    );
    if (entities.length === 0) {
      throw new SearchException(
        ErrorCode.VALIDATION_FAILED,
        `No entity has all of the filter fields ${fields.join(', ')}`,
      );
    }
    // The collection is the one of the model that embedded the query (as for ingestion: entity, model, size).
    const { model, dimensions, vector } = await this.embeddings.embedOne(request.query);
    const started = performance.now();
    const perEntity = await Promise.all(
      entities.map(async (entity) => {
        const spec = { entity, model, dimensions };
        const hits = await this.vectors.search(tenantId, spec, vector, { limit, filter });
        return this.dropDeleted(tenantId, entity, hits);
      }),
    );
    this.metrics.recordVectorSearch({ store: this.vectors.kind, latencyMs: performance.now() - started });
    return perEntity
      .flat()
      .sort((a, b) => b.score - a.score)
      .slice(0, limit);
  }

  /**
   * Keeps only hits whose record still exists for this tenant: a vector whose delete failed (store down at the
   * time) never resurfaces. Also a second, independent tenant check on every result.
   */
  private async dropDeleted(
    tenantId: string,
    entity: Entity,
    hits: { id: string; score: number; payload: Record<string, unknown> }[],
  ): Promise<SearchHitDto[]> {
    if (hits.length === 0) return [];
    const alive = await this.records.existing(
      tenantId,
      entity,
      hits.map((h) => h.id),
    );
    return hits
      .filter((h) => alive.has(h.id))
      .map((h) => ({
        entity,
        externalId: h.id,
        score: Math.round(h.score * 10_000) / 10_000,
        title: typeof h.payload.title === 'string' ? h.payload.title : '',
        snippet: typeof h.payload.snippet === 'string' ? h.payload.snippet : '',
      }));
  }

  private parseFilter(raw: Record<string, unknown> | undefined): VectorFilter {
    const filter: VectorFilter = {};
    for (const [key, value] of Object.entries(raw ?? {})) {
      if (!(VECTOR_FILTER_FIELDS as readonly string[]).includes(key)) {
        throw new SearchException(
          ErrorCode.VALIDATION_FAILED,
          `Unknown filter field "${key}"; allowed: ${VECTOR_FILTER_FIELDS.join(', ')}`,
        );
      }
      const ok =
        (typeof value === 'string' && value.length <= 200) ||
        (Array.isArray(value) &&
          value.length >= 1 &&
          value.length <= 50 &&
          value.every((v) => typeof v === 'string' && v.length <= 200));
      if (!ok) {
        throw new SearchException(
          ErrorCode.VALIDATION_FAILED,
          `Filter "${key}" must be a string or a list of 1-50 strings`,
        );
      }
      filter[key as VectorFilterField] = value as string | string[];
    }
    return filter;
  }
}
