import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { PastQuestion } from '../agent/query-state';
import { QueryHistoryRepository, type QueryHistoryRow } from './query-history.repository';

export type { QueryHistoryRow } from './query-history.repository';

const FLUSH_MS = 100;
const FLUSH_ROWS = 200;
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

  constructor(private readonly history: QueryHistoryRepository) {}

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
    const rows = await this.history.recentExamples(tenantId, model, CANDIDATES);
    return rows
      .map((r) => {
        const b = r.embedding;
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
    try {
      await this.history.insert(rows);
    } catch (err) {
      this.logger.error(`Writing ${rows.length} query history rows failed: ${String(err)}`);
    }
  }
}
