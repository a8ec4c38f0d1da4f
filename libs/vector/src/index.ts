export * from './ports/vector-store.port';
export * from './vector.exception';
export * from './vector.module';
export {
  EmbeddedVectorStoreAdapter,
  type EmbeddedVectorStoreOptions,
} from './adapters/embedded-vector-store.adapter';
export {
  QdrantVectorStoreAdapter,
  type QdrantVectorStoreOptions,
} from './adapters/qdrant-vector-store.adapter';
export { collectionName } from './vector-input';
