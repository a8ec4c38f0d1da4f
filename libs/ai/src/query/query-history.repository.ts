import { Injectable } from '@nestjs/common';
import { PgPoolService } from '@app/database';

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

/** A past question that may serve as an example, with its embedding as stored (float32 little-endian bytes). */
export interface PastQuestionRow {
  question: string;
  sql: string;
  embedding: Buffer;
}

const COLUMNS = 17;

/** The `query_history` table. */
@Injectable()
export class QueryHistoryRepository {
  constructor(private readonly pg: PgPoolService) {}

  async insert(rows: QueryHistoryRow[]): Promise<void> {
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
    await this.pg.pool.query(
      `INSERT INTO query_history (id, tenant_id, question, normalized_question, sql, executed_sql, route, cache_kind,
         provider, model, cost_usd, latency_ms, success, error_code, row_count, question_embedding, embedding_model)
       VALUES ${tuples.join(', ')}`,
      values,
    );
  }

  /**
   * Of the tenant's `candidates` latest successful semantic or LLM answers embedded by `model`, the latest per
   * distinct (normalized) question. A cached answer repeats one of them, so it does not count.
   */
  async recentExamples(tenantId: string, model: string, candidates: number): Promise<PastQuestionRow[]> {
    const { rows } = await this.pg.pool.query<{ question: string; sql: string; question_embedding: Buffer }>(
      `SELECT DISTINCT ON (normalized_question) question, sql, question_embedding
       FROM (SELECT normalized_question, question, sql, question_embedding, created_at FROM query_history
             WHERE tenant_id = $1 AND success AND sql IS NOT NULL AND route IN ('simple', 'complex')
               AND embedding_model = $2 AND question_embedding IS NOT NULL
             ORDER BY created_at DESC LIMIT $3) recent
       ORDER BY normalized_question, created_at DESC`,
      [tenantId, model, candidates],
    );
    return rows.map((r) => ({ question: r.question, sql: r.sql, embedding: r.question_embedding }));
  }
}
