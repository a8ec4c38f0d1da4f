import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { PgPoolService } from '@app/database';
import type { PastQuestion } from '../agent/query-state';

export interface QueryHistoryRow {
  id: string;
  tenantId: string;
  question: string;
  normalizedQuestion: string;
  /** The SQL before the guard: what examples show a model. */
  sql: string | null;
  executedSql: string | null;
  route: string;
  cacheKind: string | null;
  provider: string | null;
  model: string | null;
  costUsd: number;
  latencyMs: number;
  success: boolean;
  errorCode: string | null;
  rowCount: number | null;
  embedding: Float32Array | null;
  embeddingModel: string | null;
}

const FLUSH_MS = 100;
const FLUSH_ROWS = 200;
const COLUMNS = 17;
/** Recent distinct questions scanned for examples; exact cosine in JS over this many is well under a millisecond. */
const CANDIDATES = 300;

/**
 * The tenant's question log. Rows are written in batches off the request path (a cached answer must not wait for
 * an INSERT), and successful SQL with an embedding becomes an example for the LLM route.
 */
@Injectable()
export class QueryHistoryService implements OnModuleDestroy {
  private readonly logger = new Logger(QueryHistoryService.name);
  private buffer: QueryHistoryRow[] = [];
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly pg: PgPoolService) {}

  record(row: QueryHistoryRow): void {
    this.buffer.push(row);
    if (this.buffer.length >= FLUSH_ROWS) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Writes everything recorded so far; resolves once it is in the database (or the write failed and was logged). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const rows = this.buffer;
    this.buffer = [];
    this.flushing = this.flushing.then(() => (rows.length ? this.insert(rows) : undefined));
    return this.flushing;
  }

  /**
   * This tenant's successful, validated questions closest to `vector` (one per distinct question), best first.
   * Only the semantic and LLM routes' SQL counts: a cached answer repeats one of them.
   */
  async similar(
    tenantId: string,
    vector: Float32Array,
    model: string,
    limit: number,
    minSimilarity: number,
  ): Promise<PastQuestion[]> {
    const { rows } = await this.pg.pool.query<{
      question: string;
      sql: string;
      question_embedding: Buffer;
    }>(
      `SELECT DISTINCT ON (normalized_question) question, sql, question_embedding
       FROM (SELECT normalized_question, question, sql, question_embedding, created_at FROM query_history
             WHERE tenant_id = $1 AND success AND sql IS NOT NULL AND route IN ('simple', 'complex')
               AND embedding_model = $2 AND question_embedding IS NOT NULL
             ORDER BY created_at DESC LIMIT $3) recent
       ORDER BY normalized_question, created_at DESC`,
      [tenantId, model, CANDIDATES],
    );
    return rows
      .map((r) => {
        const b = r.question_embedding;
        const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
        let s = 0;
        if (b.byteLength === vector.length * 4) {
          for (let i = 0; i < vector.length; i++) s += view.getFloat32(i * 4, true) * vector[i];
        }
        return { question: r.question, sql: r.sql, similarity: s };
      })
      .filter((r) => r.similarity >= minSimilarity)
      .sort((a, b) => b.similarity - a.similarity)
      .slice(0, limit);
  }

  async onModuleDestroy(): Promise<void> {
    await this.flush();
  }

  private async insert(rows: QueryHistoryRow[]): Promise<void> {
    const values: unknown[] = [];
    const tuples = rows.map((r, i) => {
      values.push(
        r.id,
        r.tenantId,
        r.question,
        r.normalizedQuestion,
        r.sql,
        r.executedSql,
        r.route,
        r.cacheKind,
        r.provider,
        r.model,
        r.costUsd.toFixed(8),
        r.latencyMs,
        r.success,
        r.errorCode,
        r.rowCount,
        r.embedding ? Buffer.from(r.embedding.buffer, r.embedding.byteOffset, r.embedding.byteLength) : null,
        r.embeddingModel,
      );
      const p = (k: number) => `$${i * COLUMNS + k}`;
      return `(${p(1)}::uuid, ${p(2)}::uuid, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)}, ${p(8)}, ${p(9)}, ${p(10)}, ${p(11)}::numeric, ${p(12)}, ${p(13)}, ${p(14)}, ${p(15)}, ${p(16)}::bytea, ${p(17)})`;
    });
    try {
      await this.pg.pool.query(
        `INSERT INTO query_history (id, tenant_id, question, normalized_question, sql, executed_sql, route, cache_kind,
           provider, model, cost_usd, latency_ms, success, error_code, row_count, question_embedding, embedding_model)
         VALUES ${tuples.join(', ')}`,
        values,
      );
    } catch (err) {
      this.logger.error(`Writing ${rows.length} query history rows failed: ${String(err)}`);
    }
  }
}
