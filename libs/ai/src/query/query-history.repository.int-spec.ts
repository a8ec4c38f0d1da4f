import { randomUUID } from 'node:crypto';
import { AppConfig } from '@app/config';
import { PgPoolService } from '@app/database';
import { QueryHistoryRepository, type QueryHistoryRow } from './query-history.repository';

describe('QueryHistoryRepository (real PostgreSQL)', () => {
  const pg = new PgPoolService(new AppConfig());
  const history = new QueryHistoryRepository(pg);
  const tenant = randomUUID();
  const other = randomUUID();

  afterAll(async () => {
    await pg.pool.query('DELETE FROM query_history WHERE tenant_id = ANY($1)', [[tenant, other]]);
    await pg.onModuleDestroy();
  });

  const vector = (x: number) => Float32Array.from([x, 1 - x]);
  const row = (tenantId: string, question: string, over: Partial<QueryHistoryRow> = {}): QueryHistoryRow => ({
    id: randomUUID(),
    tenantId,
    question,
    normalizedQuestion: question.toLowerCase(),
    sql: `SELECT '${question}'`,
    executedSql: null,
    route: 'simple',
    cacheKind: null,
    provider: null,
    model: null,
    costUsd: 0,
    latencyMs: 1,
    success: true,
    errorCode: null,
    rowCount: 1,
    embedding: vector(0.5),
    embeddingModel: 'model-a',
    ...over,
  });

  it('offers the newest examples of the tenant and model only, however many cached answers came after them', async () => {
    await history.insert([
      row(tenant, 'Open bugs'),
      row(tenant, 'Merged PRs by author', { route: 'complex' }),
      row(tenant, 'Deploys per week', { embeddingModel: 'model-b' }),
      row(tenant, 'Failed question', { success: false, sql: null, errorCode: 'CANNOT_ANSWER' }),
      row(tenant, 'No embedding', { embedding: null, embeddingModel: null }),
      row(other, 'Open bugs of another tenant'),
    ]);
    // A busy cache: every answer it serves is a history row too, newer than the examples.
    await pg.pool.query(
      `INSERT INTO query_history (tenant_id, question, normalized_question, sql, route, cache_kind, latency_ms, success)
       SELECT $1, 'Open bugs', 'open bugs', 'SELECT 1', 'cached', 'exact', 0.5, true FROM generate_series(1, 20000)`,
      [tenant],
    );

    const query = jest.spyOn(pg.pool, 'query');
    const examples = await history.recentExamples(tenant, 'model-a', 50);
    const [[sql, params]] = query.mock.calls as unknown as [string, unknown[]][];
    query.mockRestore();

    expect(examples.map((e) => e.question).sort()).toEqual(['Merged PRs by author', 'Open bugs']);
    expect(examples.every((e) => e.embedding.byteLength === 8)).toBe(true);
    // Read through the examples' own index, not by stepping over the 20,000 cached answers.
    const { rows } = await pg.pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params);
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(plan).toContain('query_history_examples_idx');
  });
});
