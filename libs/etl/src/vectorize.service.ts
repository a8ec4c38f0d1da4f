import { Injectable, Logger } from '@nestjs/common';
import { AppException, type Entity } from '@app/common';
import { EmbeddingService } from '@app/embedding';
import { MetricsService } from '@app/metrics';
import { VectorStore, type CollectionSpec, type VectorPoint } from '@app/vector';
import { ENTITY_DEFINITIONS, type EntityDefinition } from './entities/entity-definition';
import { VECTORIZE_JOB_SIZE } from './queue.constants';
import { RecordRepository, type StoredRecord } from './record.repository';

/** Records per embedding call within one vectorize: one model batch. */
const EMBED_CHUNK = VECTORIZE_JOB_SIZE;

/** What a change-outbox entry asks for (written by the business tables' triggers). */
export type ChangeOp = 'embed' | 'payload' | 'delete';

export interface VectorizeOutcome {
  embedded: number;
  skipped: number;
  failed: { externalId: string; error: string }[];
  /** Ids asked for that no longer exist. */
  missing: string[];
}

/**
 * Embeds records and writes their vectors. The order is the crash-safety argument: vectors are written (and
 * durable) before records are marked, and marking is conditional on the content still being what was
 * embedded, so a record is never marked vectorized without its current vector in the store.
 */
@Injectable()
export class VectorizeService {
  private readonly logger = new Logger(VectorizeService.name);

  constructor(
    private readonly records: RecordRepository,
    private readonly embeddings: EmbeddingService,
    private readonly vectors: VectorStore,
    private readonly metrics: MetricsService,
  ) {}

  async collection(entity: Entity): Promise<CollectionSpec> {
    await this.embeddings.whenReady();
    return { entity, model: this.embeddings.model, dimensions: this.embeddings.dimensions };
  }

  /**
   * Embeds in chunks of one model batch, all submitted at once, and writes each chunk as soon as its vectors
   * arrive: the model is already busy with the next chunk while this one is upserted and marked, so a large
   * claim costs the model's time plus one chunk's writes, not the sum of both.
   */
  async vectorize(tenantId: string, entity: Entity, externalIds: string[]): Promise<VectorizeOutcome> {
    const def = ENTITY_DEFINITIONS[entity];
    const spec = await this.collection(entity);
    const loaded = await this.records.load(tenantId, entity, externalIds);
    // Deleted since they were queued: nothing to embed.
    const present = new Set(loaded.map((r) => r.externalId));
    const missing = externalIds.filter((id) => !present.has(id));
    const chunks: StoredRecord[][] = [];
    for (let i = 0; i < loaded.length; i += EMBED_CHUNK) chunks.push(loaded.slice(i, i + EMBED_CHUNK));
    const started = performance.now();
    const embedding = chunks.map((chunk) =>
      this.embedIsolatingFailures(
        tenantId,
        chunk.map((r) => def.embedText(r.fields)),
      ),
    );
    // Awaited in order below; a chunk failing while an earlier one is written must not go unhandled meanwhile.
    for (const pending of embedding) pending.catch(() => undefined);

    const outcome: VectorizeOutcome = { embedded: 0, skipped: missing.length, failed: [], missing };
    for (const [k, chunk] of chunks.entries()) {
      const { vectors, failed } = await embedding[k];
      // Counted here, where the worker embeds, so the tenant's performance figures include its records.
      this.metrics.recordEmbedding({
        model: spec.model,
        texts: chunk.length,
        cacheHits: 0,
        latencyMs: performance.now() - started,
        tenantId,
      });
      const written = await this.write(tenantId, entity, spec, chunk, vectors, failed);
      outcome.embedded += written.embedded;
      outcome.skipped += written.skipped;
      outcome.failed.push(...written.failed);
    }
    return outcome;
  }

  /**
   * Upserts a chunk's vectors, then marks its records vectorized if their content is still what was embedded;
   * records that failed to embed are marked failed.
   */
  private async write(
    tenantId: string,
    entity: Entity,
    spec: CollectionSpec,
    loaded: StoredRecord[],
    vectors: (Float32Array | undefined)[],
    failed: Map<number, string>,
  ): Promise<Omit<VectorizeOutcome, 'missing'>> {
    const def = ENTITY_DEFINITIONS[entity];
    const points: VectorPoint[] = [];
    const embedded: StoredRecord[] = [];
    const failures: VectorizeOutcome['failed'] = [];
    loaded.forEach((record, i) => {
      const vector = vectors[i];
      if (!vector) {
        failures.push({ externalId: record.externalId, error: failed.get(i) ?? 'embedding failed' });
        return;
      }
      embedded.push(record);
      points.push({ id: record.externalId, vector, payload: payloadOf(def, record) });
    });

    if (points.length > 0) await this.vectors.upsert(tenantId, spec, points);
    const marked = await this.records.markVectorized(
      tenantId,
      entity,
      spec.model,
      embedded.map((r) => ({ externalId: r.externalId, contentHash: r.contentHash })),
    );
    await this.removeOrphans(tenantId, entity, spec, embedded, marked);
    await this.records.markFailed(tenantId, entity, failures);
    if (marked.length > 0) {
      this.metrics.recordVectorized(tenantId, {
        entity,
        count: marked.length,
        lagSeconds: marked.map((m) => m.lagSeconds),
      });
    }
    return { embedded: marked.length, skipped: embedded.length - marked.length, failed: failures };
  }

  /**
   * Brings the store in line with the records as they are now: a change to filterable fields only rewrites the
   * stored payload (no embedding), other current records are (re-)embedded and upserted, vanished ones deleted.
   * Safe to repeat.
   */
  async apply(
    tenantId: string,
    entity: Entity,
    changes: readonly { externalId: string; op: ChangeOp }[],
  ): Promise<VectorizeOutcome> {
    const ops = new Map<string, Set<ChangeOp>>();
    for (const c of changes)
      (ops.get(c.externalId) ?? ops.set(c.externalId, new Set()).get(c.externalId)!).add(c.op);
    const payloadOnly = [...ops].filter(([, s]) => s.size === 1 && s.has('payload')).map(([id]) => id);
    const refreshed = await this.refreshPayloads(tenantId, entity, payloadOnly);
    const outcome = await this.vectorize(
      tenantId,
      entity,
      [...ops.keys()].filter((id) => !refreshed.has(id)),
    );
    if (outcome.missing.length > 0)
      await this.vectors.delete(tenantId, await this.collection(entity), outcome.missing);
    return { ...outcome, embedded: outcome.embedded + refreshed.size };
  }

  /**
   * New payloads for records whose vector is current but whose filterable fields changed; returns the ids
   * done. A record the store does not hold, or whose last vectorization failed, is left for a full embed.
   */
  private async refreshPayloads(
    tenantId: string,
    entity: Entity,
    externalIds: string[],
  ): Promise<Set<string>> {
    if (externalIds.length === 0) return new Set();
    const def = ENTITY_DEFINITIONS[entity];
    const loaded = (await this.records.load(tenantId, entity, externalIds)).filter((r) => r.vectorOk);
    if (loaded.length === 0) return new Set();
    const spec = await this.collection(entity);
    const notHeld = new Set(
      await this.vectors.setPayload(
        tenantId,
        spec,
        loaded.map((r) => ({ id: r.externalId, payload: payloadOf(def, r) })),
      ),
    );
    const marked = await this.records.markVectorized(
      tenantId,
      entity,
      spec.model,
      loaded
        .filter((r) => !notHeld.has(r.externalId))
        .map((r) => ({ externalId: r.externalId, contentHash: r.contentHash })),
    );
    if (marked.length > 0)
      this.metrics.recordVectorized(tenantId, {
        entity,
        count: marked.length,
        lagSeconds: marked.map((m) => m.lagSeconds),
      });
    // A record changed again meanwhile is not marked: its newer change follows in the outbox.
    return new Set(loaded.filter((r) => !notHeld.has(r.externalId)).map((r) => r.externalId));
  }

  /**
   * A record deleted while its vector was being written would leave an orphan vector behind: if the record
   * is gone now, its vector goes too. (A record that changed instead keeps its vector until the newer job
   * replaces it.)
   */
  private async removeOrphans(
    tenantId: string,
    entity: Entity,
    spec: CollectionSpec,
    embedded: StoredRecord[],
    marked: { externalId: string }[],
  ): Promise<void> {
    const markedIds = new Set(marked.map((m) => m.externalId));
    const unmarked = embedded.filter((r) => !markedIds.has(r.externalId)).map((r) => r.externalId);
    if (unmarked.length === 0) return;
    const stillThere = new Set(
      (await this.records.load(tenantId, entity, unmarked)).map((r) => r.externalId),
    );
    const orphans = unmarked.filter((id) => !stillThere.has(id));
    if (orphans.length > 0) await this.vectors.delete(tenantId, spec, orphans);
  }

  /**
   * Embeds the batch; if the model rejects it, embeds one text at a time so a single poisoned record fails
   * alone. Infrastructure errors (model not loaded, gateway down) are rethrown for the job to retry.
   */
  private async embedIsolatingFailures(
    tenantId: string,
    texts: string[],
  ): Promise<{ vectors: (Float32Array | undefined)[]; failed: Map<number, string> }> {
    const failed = new Map<number, string>();
    if (texts.length === 0) return { vectors: [], failed };
    // Background: nobody waits on it, so searches and questions go first; tenants take turns among themselves.
    const queueing = { lane: tenantId, priority: 'background' } as const;
    try {
      return { vectors: (await this.embeddings.embedMany(texts, queueing)).vectors, failed };
    } catch (err) {
      if (isRetryable(err)) throw err;
      this.logger.warn(
        `Batch of ${texts.length} failed to embed (${String(err)}); isolating the bad records`,
      );
    }
    const vectors: (Float32Array | undefined)[] = [];
    for (const [i, text] of texts.entries()) {
      try {
        vectors.push((await this.embeddings.embedMany([text], queueing)).vectors[0]);
      } catch (err) {
        if (isRetryable(err)) throw err;
        vectors.push(undefined);
        failed.set(i, err instanceof Error ? err.message : String(err));
      }
    }
    return { vectors, failed };
  }
}

/** What is stored beside a record's vector: filterable fields, what search shows, and the content it reflects. */
function payloadOf(def: EntityDefinition, record: StoredRecord): Record<string, unknown> {
  return {
    ...def.filterPayload(record.fields),
    title: def.title(record.fields),
    snippet: def.snippet(record.fields),
    content_hash: record.contentHash,
  };
}

function isRetryable(err: unknown): boolean {
  return err instanceof AppException && err.code === 'DEPENDENCY_UNAVAILABLE';
}
