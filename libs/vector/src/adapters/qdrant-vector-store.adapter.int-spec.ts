import { randomUUID } from 'node:crypto';
import { QdrantClient } from '@qdrant/js-client-rest';
import { ErrorCode } from '@app/common';
import type { CollectionSpec } from '../ports/vector-store.port';
import { startQdrantTestServer, type QdrantTestServer } from '../testing/qdrant-test-server';
import { vectorStoreContract } from '../testing/vector-store.contract';
import { collectionName } from '../vector-input';
import { QdrantVectorStoreAdapter } from './qdrant-vector-store.adapter';

function openStore(server: QdrantTestServer): QdrantVectorStoreAdapter {
  return new QdrantVectorStoreAdapter({
    url: server.url,
    hnswM: 16,
    hnswEfConstruct: 100,
    efSearch: 64,
    quantization: false,
  });
}

vectorStoreContract('qdrant', async () => {
  // Tiny indexing and full-scan thresholds, so even these small collections get HNSW graphs and searches go
  // through them (with the defaults, anything under ~10 MB of vectors is scanned exactly).
  const server = await startQdrantTestServer({
    env: {
      QDRANT__STORAGE__OPTIMIZERS__INDEXING_THRESHOLD_KB: '1',
      QDRANT__STORAGE__HNSW_INDEX__FULL_SCAN_THRESHOLD_KB: '1',
    },
  });
  const store = openStore(server);
  return {
    store,
    restart: async () => {
      await server.restart();
      return store;
    },
    close: async () => {
      await store.onModuleDestroy();
      await server.close();
    },
  };
});

describe('QdrantVectorStoreAdapter against a real server', () => {
  const spec: CollectionSpec = { entity: 'work_items', model: 'qdrant-specific', dimensions: 4 };
  let server: QdrantTestServer;
  let store: QdrantVectorStoreAdapter;

  beforeAll(async () => {
    server = await startQdrantTestServer();
    store = openStore(server);
  });

  afterAll(async () => {
    await store?.onModuleDestroy();
    await server?.close();
  });

  it('creates the collection the multitenant way: tenant index with is_tenant, keyword filter indexes', async () => {
    await store.ensureCollection(spec);
    await store.ensureCollection(spec);
    const info = await new QdrantClient({ url: server.url, checkCompatibility: false }).getCollection(
      collectionName(spec),
    );
    expect(info.payload_schema.tenant_id).toMatchObject({
      data_type: 'keyword',
      params: { is_tenant: true },
    });
    expect(info.payload_schema.status).toMatchObject({ data_type: 'keyword' });
    expect(info.config.params.vectors).toMatchObject({ size: 4, distance: 'Cosine' });
  });

  it('answers DEPENDENCY_UNAVAILABLE while Qdrant is down and works again, data intact, once it is back', async () => {
    const tenant = randomUUID();
    await store.upsert(tenant, spec, [{ id: 'a', vector: [1, 0, 0, 0], payload: { title: 'before' } }]);
    expect(await store.health()).toEqual({ store: 'qdrant', up: true });

    await server.stop();
    const unavailable = { code: ErrorCode.DEPENDENCY_UNAVAILABLE };
    await expect(store.search(tenant, spec, [1, 0, 0, 0], { limit: 5 })).rejects.toMatchObject(unavailable);
    await expect(
      store.upsert(tenant, spec, [{ id: 'b', vector: [0, 1, 0, 0], payload: {} }]),
    ).rejects.toMatchObject(unavailable);
    await expect(store.count(tenant, spec)).rejects.toMatchObject(unavailable);
    expect(await store.health()).toMatchObject({ store: 'qdrant', up: false });

    await server.start();
    expect(await store.health()).toEqual({ store: 'qdrant', up: true });
    await store.upsert(tenant, spec, [{ id: 'b', vector: [0, 1, 0, 0], payload: { title: 'after' } }]);
    const hits = await store.search(tenant, spec, [1, 1, 0, 0], { limit: 5 });
    expect(hits.map((h) => h.payload.title).sort()).toEqual(['after', 'before']);
  }, 60_000);

  it('recreates a collection dropped behind its back on the next upsert', async () => {
    const tenant = randomUUID();
    const dropped: CollectionSpec = { entity: 'deployments', model: 'dropped', dimensions: 4 };
    await store.upsert(tenant, dropped, [{ id: 'a', vector: [1, 0, 0, 0], payload: {} }]);
    await new QdrantClient({ url: server.url, checkCompatibility: false }).deleteCollection(
      collectionName(dropped),
    );

    expect(await store.count(tenant, dropped)).toBe(0);
    await store.upsert(tenant, dropped, [{ id: 'b', vector: [0, 1, 0, 0], payload: { status: 'success' } }]);
    expect(await store.count(tenant, dropped, { status: 'success' })).toBe(1);
  });
});
