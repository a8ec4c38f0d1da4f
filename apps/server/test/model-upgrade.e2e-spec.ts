import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PgPoolService } from '@app/database';
import { EmbeddingService } from '@app/embedding';
import { VectorizeService } from '@app/etl';
import { VectorStore } from '@app/vector';
import { eventually } from './support/eventually';
import { workItem } from './support/records';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * An upgrade that changes the embedding model id (as use-lite-512 → use-lite-512-v2 did with the repaired
 * tokenizer): vectors made by the old model count as pending in /v1/etl/status, and the backfill re-embeds them
 * with the new one (the periodic reconciler runs the same pass unasked; it is off here so the "before" state
 * cannot race it).
 */
describe('Embedding model upgrade', () => {
  let t: TestApp;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'pulse-upgrade-'));
    t = await startTestApp({ DATA_DIR: dataDir, RECONCILE_INTERVAL_S: '0' });
  });
  afterAll(async () => {
    await t.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const status = async (key: string) =>
    (await t.request({ method: 'GET', url: '/v1/etl/status', token: key })).body;

  it('re-embeds vectors of the previous model id and shows the progress in /v1/etl/status', async () => {
    const { apiKey, id: tenantId } = await t.createTenant();
    const records = Array.from({ length: 6 }, (_, i) => workItem({ externalId: `UPG-${i}` }));
    expect(
      (
        await t.request({
          method: 'POST',
          url: '/v1/etl/work_items/records',
          token: apiKey,
          body: { records },
        })
      ).status,
    ).toBe(202);
    await eventually(async () => (await status(apiKey)).entities.work_items.vectorized === 6, {
      what: 'vectorization',
      timeoutMs: 120_000,
    });

    // The rows as the previous release left them: vectorized, by the model this release replaced.
    await t.app
      .get(PgPoolService)
      .pool.query(`UPDATE work_items SET embedding_model = 'use-lite-512' WHERE tenant_id = $1`, [tenantId]);
    const before = await status(apiKey);
    expect(before.embeddingModel).toBe(t.app.get(EmbeddingService).model);
    expect(before.embeddingModel).not.toBe('use-lite-512');
    expect(before.entities.work_items).toEqual(
      expect.objectContaining({ records: 6, vectorized: 0, pending: 6 }),
    );

    const backfill = await t.request({
      method: 'POST',
      url: '/v1/etl/backfill',
      token: apiKey,
      body: { entity: 'work_items' },
    });
    expect(backfill.status).toBe(202);
    await eventually(async () => (await status(apiKey)).entities.work_items.vectorized === 6, {
      what: 'the backfill re-embedding',
      timeoutMs: 120_000,
    });
    const { rows } = await t.app
      .get(PgPoolService)
      .pool.query<{ model: string; n: number }>(
        'SELECT embedding_model AS model, count(*)::int AS n FROM work_items WHERE tenant_id = $1 GROUP BY 1',
        [tenantId],
      );
    expect(rows).toEqual([{ model: before.embeddingModel, n: 6 }]);
    const spec = await t.app.get(VectorizeService).collection('work_items');
    expect(await t.app.get(VectorStore).count(tenantId, spec)).toBe(6);
  }, 240_000);
});
