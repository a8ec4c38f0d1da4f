import { Module, type OnModuleInit, Optional } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { ReadinessRegistry } from '@app/health';
import { EmbeddedVectorStoreAdapter } from './adapters/embedded-vector-store.adapter';
import { QdrantVectorStoreAdapter } from './adapters/qdrant-vector-store.adapter';
import { VectorStore } from './ports/vector-store.port';

export function createVectorStore(config: AppConfig): VectorStore {
  const vector = config.vector;
  const store = vector.store;
  switch (store) {
    case 'embedded':
      return new EmbeddedVectorStoreAdapter({ dataDir: vector.dataDir, hnsw: vector.hnsw });
    case 'qdrant':
      if (!vector.qdrant.url) throw new Error('QDRANT_URL is required when VECTOR_STORE=qdrant');
      return new QdrantVectorStoreAdapter({
        url: vector.qdrant.url,
        apiKey: vector.qdrant.apiKey,
        hnswM: vector.qdrant.hnswM,
        hnswEfConstruct: vector.qdrant.hnswEfConstruct,
        efSearch: vector.hnsw.efSearch,
        quantization: vector.qdrant.quantization,
      });
    default: {
      const unknown: never = store;
      throw new Error(`VECTOR_STORE must be 'embedded' or 'qdrant', got ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * Provides the VectorStore port, backed by the adapter VECTOR_STORE names (embedded unless QDRANT_URL is set),
 * and reports the store as "vectorStore" to readiness when the HealthModule is loaded.
 */
@Module({
  providers: [{ provide: VectorStore, useFactory: createVectorStore, inject: [AppConfig] }],
  exports: [VectorStore],
})
export class VectorModule implements OnModuleInit {
  constructor(
    private readonly vectors: VectorStore,
    @Optional() private readonly readiness?: ReadinessRegistry,
  ) {}

  onModuleInit(): void {
    this.readiness?.register('vectorStore', async () => {
      const { up, store, message } = await this.vectors.health();
      return { up, store, ...(message ? { message } : {}) };
    });
  }
}
