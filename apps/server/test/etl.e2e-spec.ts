import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { VectorizeService } from '@app/etl';
import { VectorStore } from '@app/vector';
import { eventually } from './support/eventually';
import { deployment, pullRequest, workItem } from './support/records';
import { expectErrorShape, startTestApp, type TestApp } from './support/test-app';

describe('ETL ingestion and real-time vectorization (one process, embedded vector store)', () => {
  let t: TestApp;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'pulse-etl-'));
    t = await startTestApp({ DATA_DIR: dataDir, RECONCILE_INTERVAL_S: '0' });
  });
  afterAll(async () => {
    await t.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const ingest = (key: string, entity: string, records: unknown[]) =>
    t.request({ method: 'POST', url: `/v1/etl/${entity}/records`, token: key, body: { records } });
  const status = async (key: string) =>
    (await t.request({ method: 'GET', url: '/v1/etl/status', token: key })).body;
  const search = async (key: string, body: Record<string, unknown>) =>
    t.request({ method: 'POST', url: '/v1/ai/search', token: key, body });
  const settled = (key: string, entity = 'work_items') =>
    eventually(async () => (await status(key)).entities[entity].pending === 0, { what: 'vectorization' });

  it('stores valid records, reports invalid ones by index, and makes them searchable', async () => {
    const { apiKey } = await t.createTenant();
    const records = [
      workItem({ externalId: 'PAY-1', title: 'Checkout times out when paying with a saved card' }),
      workItem({
        externalId: 'PAY-2',
        title: 'Add dark mode to the settings page',
        description: 'Designers want a dark theme',
        type: 'story',
      }),
      { externalId: 'PAY-3', type: 'nope' },
      'not an object',
    ];
    const res = await ingest(apiKey, 'work_items', records);
    expect(res.status).toBe(202);
    expect(res.body).toEqual(
      expect.objectContaining({ accepted: 2, inserted: 2, updated: 0, unchanged: 0, queued: 2 }),
    );
    expect(res.body.rejected.map((r: { index: number }) => r.index)).toEqual([2, 3]);
    expect(res.body.rejected[0].errors.join(' ')).toMatch(/type must be one of/);

    await settled(apiKey);
    const batch = await t.request({
      method: 'GET',
      url: `/v1/etl/batches/${res.body.batchId}`,
      token: apiKey,
    });
    expect(batch.body).toEqual(expect.objectContaining({ status: 'done', total: 2, embedded: 2, failed: 0 }));
    const st = await status(apiKey);
    expect(st.entities.work_items).toEqual(
      expect.objectContaining({ records: 2, vectorized: 2, pending: 0, failed: 0 }),
    );

    const hits = await search(apiKey, { query: 'card payment checkout timeout', entity: 'work_items' });
    expect(hits.status).toBe(200);
    expect(hits.body.results[0]).toEqual(
      expect.objectContaining({
        entity: 'work_items',
        externalId: 'PAY-1',
        title: 'Checkout times out when paying with a saved card',
      }),
    );
  });

  it('re-sending the same batch changes nothing and queues nothing', async () => {
    const { apiKey } = await t.createTenant();
    const records = [workItem(), workItem(), pullRequest()].slice(0, 2);
    await ingest(apiKey, 'work_items', records);
    await settled(apiKey);
    const again = await ingest(apiKey, 'work_items', records);
    expect(again.body).toEqual(
      expect.objectContaining({ accepted: 2, inserted: 0, updated: 0, unchanged: 2, queued: 0 }),
    );
    const batch = await t.request({
      method: 'GET',
      url: `/v1/etl/batches/${again.body.batchId}`,
      token: apiKey,
    });
    expect(batch.body).toEqual(expect.objectContaining({ status: 'done', skipped: 2, embedded: 0 }));
  });

  it('re-embeds changed text but not other field changes', async () => {
    const { apiKey } = await t.createTenant();
    const item = workItem({
      title: 'Search results page is slow',
      description: 'p95 latency is four seconds',
    });
    await ingest(apiKey, 'work_items', [item]);
    await settled(apiKey);

    const pointsOnly = await ingest(apiKey, 'work_items', [{ ...item, storyPoints: 5 }]);
    expect(pointsOnly.body).toEqual(expect.objectContaining({ updated: 1, queued: 0 }));

    const retitled = await ingest(apiKey, 'work_items', [
      {
        ...item,
        storyPoints: 5,
        title: 'Kubernetes node pool autoscaling is broken',
        description: 'Cluster autoscaler never adds nodes',
      },
    ]);
    expect(retitled.body).toEqual(expect.objectContaining({ updated: 1, queued: 1 }));
    await settled(apiKey);
    const hits = await search(apiKey, { query: 'cluster autoscaler nodes', limit: 1 });
    expect(hits.body.results[0]).toEqual(
      expect.objectContaining({
        externalId: item.externalId,
        title: 'Kubernetes node pool autoscaling is broken',
      }),
    );
  });

  it('a status change updates the filterable payload', async () => {
    const { apiKey } = await t.createTenant();
    const item = workItem({ status: 'in_progress' });
    await ingest(apiKey, 'work_items', [item]);
    await settled(apiKey);
    expect(
      (await search(apiKey, { query: 'connection pool', filter: { status: 'done' } })).body.results,
    ).toEqual([]);
    const done = await ingest(apiKey, 'work_items', [
      { ...item, status: 'done', resolvedAt: '2026-10-09T00:00:00.000Z' },
    ]);
    expect(done.body.queued).toBe(1);
    await settled(apiKey);
    const hits = await search(apiKey, { query: 'connection pool', filter: { status: 'done' } });
    expect(hits.body.results.map((r: { externalId: string }) => r.externalId)).toEqual([item.externalId]);
  });

  it('delete removes the record and its vector from search', async () => {
    const { apiKey } = await t.createTenant();
    const [a, b] = [workItem({ externalId: 'DEL-1' }), workItem({ externalId: 'DEL-2' })];
    await ingest(apiKey, 'work_items', [a, b]);
    await settled(apiKey);
    expect(
      (await t.request({ method: 'DELETE', url: '/v1/etl/work_items/records/DEL-1', token: apiKey })).status,
    ).toBe(204);
    const ids = (await search(apiKey, { query: 'connection pool retries' })).body.results.map(
      (r: { externalId: string }) => r.externalId,
    );
    expect(ids).toEqual(['DEL-2']);
    expect((await status(apiKey)).entities.work_items.records).toBe(1);
    const again = await t.request({
      method: 'DELETE',
      url: '/v1/etl/work_items/records/DEL-1',
      token: apiKey,
    });
    expect(again.status).toBe(404);
    expectErrorShape(again.body, 'NOT_FOUND');
  });

  it('a poisoned record fails alone and is reported; the rest of its batch succeeds', async () => {
    const { apiKey } = await t.createTenant();
    const poisoned = workItem({ externalId: 'POISON', title: '   ', description: undefined });
    const res = await ingest(apiKey, 'work_items', [workItem(), poisoned, workItem()]);
    expect(res.body.accepted).toBe(3);
    await eventually(async () => (await status(apiKey)).entities.work_items.failed === 1, {
      what: 'failure reported',
    });
    const st = (await status(apiKey)).entities.work_items;
    expect(st).toEqual(expect.objectContaining({ records: 3, vectorized: 2, failed: 1, pending: 0 }));
    const batch = await t.request({
      method: 'GET',
      url: `/v1/etl/batches/${res.body.batchId}`,
      token: apiKey,
    });
    expect(batch.body).toEqual(expect.objectContaining({ status: 'failed', embedded: 2, failed: 1 }));
  });

  it('handles every entity and search across entities', async () => {
    const { apiKey } = await t.createTenant();
    expect(
      (
        await ingest(apiKey, 'pull_requests', [
          pullRequest({ title: 'Upgrade the Postgres driver', description: 'Moves to pg 8.13' }),
        ])
      ).status,
    ).toBe(202);
    expect(
      (
        await ingest(apiKey, 'deployments', [
          deployment({ service: 'billing-worker', status: 'rolled_back' }),
        ])
      ).status,
    ).toBe(202);
    await settled(apiKey, 'pull_requests');
    await settled(apiKey, 'deployments');
    const hits = await search(apiKey, { query: 'billing-worker rolled back in production' });
    expect(hits.body.results[0]).toEqual(expect.objectContaining({ entity: 'deployments' }));
    const prs = await search(apiKey, { query: 'postgres driver upgrade', filter: { state: 'merged' } });
    expect(prs.body.results.map((r: { entity: string }) => r.entity)).toEqual(['pull_requests']);
  });

  it("tenant B never sees tenant A's records in search or status", async () => {
    const a = await t.createTenant();
    const b = await t.createTenant();
    await ingest(a.apiKey, 'work_items', [
      workItem({ externalId: 'SAME-1', title: 'Secret acquisition project Falcon' }),
    ]);
    await ingest(b.apiKey, 'work_items', [
      workItem({ externalId: 'SAME-1', title: 'Routine dependency bump' }),
    ]);
    await settled(a.apiKey);
    await settled(b.apiKey);
    const hits = await search(b.apiKey, { query: 'secret acquisition Falcon', limit: 100 });
    expect(hits.body.results).toHaveLength(1);
    expect(hits.body.results[0].title).toBe('Routine dependency bump');
    expect((await status(b.apiKey)).entities.work_items.records).toBe(1);
  });

  it('rejects only the records whose text PostgreSQL cannot store (NUL, unpaired surrogates)', async () => {
    const { apiKey } = await t.createTenant();
    const res = await t.request({
      method: 'POST',
      url: '/v1/etl/work_items/records',
      token: apiKey,
      payload: JSON.stringify({ records: [workItem(), workItem({ title: 'nul\u0000here' })] }),
    });
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(1);
    expect(res.body.rejected).toEqual([
      { index: 1, errors: [expect.stringMatching(/^title: contains a NUL/)] },
    ]);
    const surrogate = await t.request({
      method: 'POST',
      url: '/v1/etl/deployments/records',
      token: apiKey,
      payload: `{"records": [${JSON.stringify(deployment())}, ${JSON.stringify(deployment()).replace('"payments-api"', '"\\ud800"')}]}`,
    });
    expect(surrogate.status).toBe(202);
    expect(surrogate.body.rejected.map((r: { index: number }) => r.index)).toEqual([1]);
  });

  it('rejects bad ETL input with the documented 4xx', async () => {
    const { apiKey } = await t.createTenant();
    const cases: [string, Promise<{ status: number; body: any }>, number][] = [
      ['unknown entity', ingest(apiKey, 'users', [workItem()]), 400],
      ['empty batch', ingest(apiKey, 'work_items', []), 400],
      [
        'oversized batch',
        ingest(
          apiKey,
          'work_items',
          Array.from({ length: 5001 }, () => ({})),
        ),
        400,
      ],
      [
        'records not an array',
        t.request({
          method: 'POST',
          url: '/v1/etl/work_items/records',
          token: apiKey,
          body: { records: 'x' },
        }),
        400,
      ],
      [
        'unknown batch',
        t.request({
          method: 'GET',
          url: '/v1/etl/batches/00000000-0000-4000-8000-000000000000',
          token: apiKey,
        }),
        404,
      ],
      [
        'malformed batch id',
        t.request({ method: 'GET', url: "/v1/etl/batches/1' or '1", token: apiKey }),
        400,
      ],
      ['search without query', search(apiKey, { query: '   ' }), 400],
      ['search limit too large', search(apiKey, { query: 'x', limit: 101 }), 400],
      ['search unknown filter', search(apiKey, { query: 'x', filter: { tenant_id: 'other' } }), 400],
      ['search filter of wrong type', search(apiKey, { query: 'x', filter: { status: { $ne: 1 } } }), 400],
      [
        'backfill unknown entity',
        t.request({ method: 'POST', url: '/v1/etl/backfill', token: apiKey, body: { entity: 'users' } }),
        400,
      ],
    ];
    for (const [name, pending, expected] of cases) {
      const res = await pending;
      expect({ name, status: res.status }).toEqual({ name, status: expected });
      expectErrorShape(res.body);
    }
  });

  it('backfill re-embeds records whose vectors are missing from the store', async () => {
    const { apiKey, id: tenantId } = await t.createTenant();
    await ingest(apiKey, 'work_items', [workItem(), workItem()]);
    await settled(apiKey);
    // The store loses the tenant's vectors (say, restored from an old snapshot).
    const vectors = t.app.get(VectorStore);
    const spec = await t.app.get(VectorizeService).collection('work_items');
    await vectors.deleteByFilter(tenantId, spec, {});
    expect((await search(apiKey, { query: 'connection pool' })).body.results).toEqual([]);

    const res = await t.request({
      method: 'POST',
      url: '/v1/etl/backfill',
      token: apiKey,
      body: { entity: 'work_items' },
    });
    expect(res.status).toBe(202);
    expect(res.body.jobId).toEqual(expect.any(String));
    await eventually(
      async () => (await search(apiKey, { query: 'connection pool' })).body.results.length === 2,
      // The backfill queue may still be working through earlier tests' jobs on a loaded machine.
      { what: 'backfill', timeoutMs: 120_000, intervalMs: 500 },
    );
    expect(await vectors.count(tenantId, spec)).toBe(2);
  }, 180_000);
});
