import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module, type DynamicModule } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AppConfig, ConfigValidationError } from '@app/config';
import { ReadinessRegistry } from '@app/health';
import { EmbeddedVectorStoreAdapter } from './adapters/embedded-vector-store.adapter';
import { QdrantVectorStoreAdapter } from './adapters/qdrant-vector-store.adapter';
import { VectorStore } from './ports/vector-store.port';
import { createVectorStore, VectorModule } from './vector.module';

@Module({})
class TestConfigModule {}

function configModule(config: AppConfig): DynamicModule {
  return {
    module: TestConfigModule,
    global: true,
    providers: [{ provide: AppConfig, useValue: config }],
    exports: [AppConfig],
  };
}

const baseEnv = {
  DATABASE_URL: 'postgresql://root@127.0.0.1:5432/test',
  ADMIN_TOKEN: 'test-admin-token-0123456789',
  INTEGRATION_SECRET_KEY: randomBytes(32).toString('hex'),
};

describe('VectorModule', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pulse-vector-module-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  async function boot(env: Record<string, string>) {
    const config = new AppConfig({ ...baseEnv, DATA_DIR: dataDir, ...env });
    const moduleRef = await Test.createTestingModule({
      imports: [configModule(config), VectorModule],
    }).compile();
    return moduleRef;
  }

  it('serves the embedded store by default, persisted under DATA_DIR across app restarts', async () => {
    const spec = { entity: 'work_items' as const, model: 'm', dimensions: 3 };
    let app = await boot({});
    const store = app.get(VectorStore);
    expect(store).toBeInstanceOf(EmbeddedVectorStoreAdapter);
    await store.upsert('tenant-a', spec, [{ id: 'x', vector: [1, 0, 0], payload: { title: 't' } }]);
    await app.close();

    app = await boot({});
    expect(await app.get(VectorStore).search('tenant-a', spec, [1, 0, 0], { limit: 1 })).toEqual([
      { id: 'x', score: expect.closeTo(1, 5), payload: { title: 't' } },
    ]);
    await app.close();
  });

  it('serves Qdrant when QDRANT_URL is set, unless VECTOR_STORE says otherwise', async () => {
    const qdrant = await boot({ QDRANT_URL: 'http://127.0.0.1:1' });
    expect(qdrant.get(VectorStore)).toBeInstanceOf(QdrantVectorStoreAdapter);
    expect(await qdrant.get(VectorStore).health()).toMatchObject({ store: 'qdrant', up: false });
    await qdrant.close();

    const embedded = await boot({ QDRANT_URL: 'http://127.0.0.1:1', VECTOR_STORE: 'embedded' });
    expect(embedded.get(VectorStore)).toBeInstanceOf(EmbeddedVectorStoreAdapter);
    await embedded.close();
  });

  it('reports the store to readiness when the HealthModule is loaded', async () => {
    @Module({})
    class TestReadinessModule {}
    const readiness: DynamicModule = {
      module: TestReadinessModule,
      global: true,
      providers: [ReadinessRegistry],
      exports: [ReadinessRegistry],
    };
    const config = new AppConfig({ ...baseEnv, DATA_DIR: dataDir });
    const app = await Test.createTestingModule({
      imports: [configModule(config), readiness, VectorModule],
    }).compile();
    await app.init();
    const checks = new Map(app.get(ReadinessRegistry).entries());
    expect([...checks.keys()]).toEqual(['vectorStore']);
    expect(await checks.get('vectorStore')!()).toEqual({ up: true, store: 'embedded' });
    await app.close();
  });

  it('refuses to boot with an unknown store or Qdrant without a URL', () => {
    expect(() => new AppConfig({ ...baseEnv, VECTOR_STORE: 'pinecone' })).toThrow(/VECTOR_STORE/);
    expect(() => new AppConfig({ ...baseEnv, VECTOR_STORE: 'qdrant' })).toThrow(ConfigValidationError);
    const config = new AppConfig(baseEnv);
    Object.defineProperty(config, 'vector', { value: { ...config.vector, store: 'pinecone' } });
    expect(() => createVectorStore(config)).toThrow(/VECTOR_STORE/);
  });
});
