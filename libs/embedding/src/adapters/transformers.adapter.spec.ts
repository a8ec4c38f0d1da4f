/**
 * @jest-environment ./libs/embedding/src/testing/native-typed-arrays.environment.ts
 */
import { ErrorCode } from '@app/common';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EmbeddingException } from '../embedding.exception';
import { prepareMiniLmModelDir, type GeneratedModelDir } from '../testing/bert-onnx.fixture';
import { embeddingProviderContract } from '../testing/embedding-provider.contract';
import { cosineSimilarity } from '../vector-math';
import { TransformersEmbeddingAdapter } from './transformers.adapter';

// A random-weight model of the real all-MiniLM-L6-v2 architecture next to its real tokenizer and config:
// loading, tokenisation, batching, mean pooling and normalisation run for real; meaning does not.
describe('TransformersEmbeddingAdapter', () => {
  let model: GeneratedModelDir;

  beforeAll(async () => {
    model = await prepareMiniLmModelDir('q8');
  });

  afterAll(async () => {
    await model?.remove();
  });

  describe('contract', () => {
    embeddingProviderContract(
      () =>
        Promise.resolve({ provider: new TransformersEmbeddingAdapter({ modelDir: model.root, threads: 1 }) }),
      { dimensions: 384 },
    );
  });

  it('loads the int8 model offline from EMBEDDING_MODEL_DIR and records the hub model id', async () => {
    const adapter = new TransformersEmbeddingAdapter({ modelDir: model.root });
    try {
      await adapter.init();
      expect(adapter.ready).toBe(true);
      expect(adapter.model).toBe('Xenova/all-MiniLM-L6-v2');
      expect(adapter.dimensions).toBe(384);
    } finally {
      await adapter.close();
    }
  });

  it('also accepts the model folder itself as EMBEDDING_MODEL_DIR', async () => {
    const adapter = new TransformersEmbeddingAdapter({ modelDir: path.join(model.root, model.modelId) });
    try {
      const [v] = await adapter.embed(['deploy failed']);
      expect(v).toHaveLength(384);
    } finally {
      await adapter.close();
    }
  });

  it('truncates texts beyond the model window instead of failing', async () => {
    const adapter = new TransformersEmbeddingAdapter({ modelDir: model.root });
    try {
      // ~1500 word pieces, three times the 512 positions the model has.
      const [long, short] = await adapter.embed(['incident '.repeat(1500), 'incident']);
      expect(long).toHaveLength(384);
      expect(cosineSimilarity(long, short)).toBeLessThan(0.9999);
    } finally {
      await adapter.close();
    }
  });

  it('fails with DEPENDENCY_UNAVAILABLE when the folder has no model, and never goes to the hub', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'pulse-empty-models-'));
    const adapter = new TransformersEmbeddingAdapter({ modelDir: empty });
    try {
      const error = await adapter.init().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EmbeddingException);
      expect((error as EmbeddingException).code).toBe(ErrorCode.DEPENDENCY_UNAVAILABLE);
      expect(adapter.ready).toBe(false);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
