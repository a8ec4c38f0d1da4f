import { AppConfig } from '@app/config';
import { BundledUseAdapter } from './adapters/bundled-use.adapter';
import { GatewayEmbeddingAdapter } from './adapters/gateway.adapter';
import { TransformersEmbeddingAdapter } from './adapters/transformers.adapter';
import { createEmbeddingProvider } from './embedding-provider.factory';

const config = (env: Record<string, string> = {}) => new AppConfig({ ...process.env, ...env });

describe('createEmbeddingProvider', () => {
  it('uses the bundled model by default', () => {
    const env = { ...process.env };
    delete env.EMBEDDING_PROVIDER;
    const provider = createEmbeddingProvider(new AppConfig(env));

    expect(provider).toBeInstanceOf(BundledUseAdapter);
    expect(provider.model).toBe('use-lite-512-v2');
  });

  it('builds the transformers adapter with the default model id, or the configured one', () => {
    expect(createEmbeddingProvider(config({ EMBEDDING_PROVIDER: 'transformers' })).model).toBe(
      'Xenova/all-MiniLM-L6-v2',
    );
    const custom = createEmbeddingProvider(
      config({ EMBEDDING_PROVIDER: 'transformers', EMBEDDING_MODEL: 'Xenova/bge-small-en-v1.5' }),
    );
    expect(custom).toBeInstanceOf(TransformersEmbeddingAdapter);
    expect(custom.model).toBe('Xenova/bge-small-en-v1.5');
  });

  it('builds the gateway adapter from EMBEDDING_GATEWAY_* and EMBEDDING_MODEL', () => {
    const provider = createEmbeddingProvider(
      config({
        EMBEDDING_PROVIDER: 'gateway',
        EMBEDDING_GATEWAY_URL: 'http://127.0.0.1:9/v1',
        EMBEDDING_MODEL: 'text-embedding-3-small',
        EMBEDDING_GATEWAY_DIMENSIONS: '256',
      }),
    );

    expect(provider).toBeInstanceOf(GatewayEmbeddingAdapter);
    expect(provider.model).toBe('gateway:text-embedding-3-small');
    expect(provider.dimensions).toBe(256);
  });

  it('stops the boot when the gateway has no model', () => {
    const env = {
      ...process.env,
      EMBEDDING_PROVIDER: 'gateway',
      EMBEDDING_GATEWAY_URL: 'http://127.0.0.1:9/v1',
    };
    expect(() => new AppConfig(env)).toThrow('EMBEDDING_MODEL is required when EMBEDDING_PROVIDER=gateway');

    const valid = config({ ...env, EMBEDDING_MODEL: 'm' });
    const embedding = { ...valid.embedding, gateway: { ...valid.embedding.gateway, model: undefined } };
    expect(() => createEmbeddingProvider({ server: valid.server, embedding, egress: valid.egress })).toThrow(
      'EMBEDDING_MODEL is required',
    );
  });

  it('stops the boot on an unknown provider name', () => {
    const valid = config();
    const embedding = { ...valid.embedding, provider: 'word2vec' } as unknown as AppConfig['embedding'];

    expect(() => createEmbeddingProvider({ server: valid.server, embedding, egress: valid.egress })).toThrow(
      'Unknown EMBEDDING_PROVIDER "word2vec"',
    );
    expect(() => new AppConfig({ ...process.env, EMBEDDING_PROVIDER: 'word2vec' })).toThrow(
      'EMBEDDING_PROVIDER',
    );
  });
});
