import { ErrorCode } from '@app/common';
import { AppConfig } from '@app/config';
import { EmbeddingException } from './embedding.exception';
import { EmbeddingService } from './embedding.service';
import { CountingProvider } from './testing/counting-provider.fixture';

function makeConfig(overrides: Record<string, string> = {}): AppConfig {
  return new AppConfig({ ...process.env, EMBEDDING_PROVIDER: 'bundled', ...overrides });
}

function norm(v: Float32Array): number {
  return Math.sqrt(v.reduce((s, x) => s + x * x, 0));
}

describe('EmbeddingService', () => {
  let provider: CountingProvider;
  let service: EmbeddingService;

  beforeEach(() => {
    provider = new CountingProvider(8, 50);
    service = new EmbeddingService(provider, makeConfig());
  });

  it('returns unit-length float32 vectors of the model dimensions, tagged with the model id, in order', async () => {
    provider.scale = 7.5;
    const texts = ['bug: login fails', 'pr: add retries', 'deploy: rollback'];

    const result = await service.embedMany(texts);

    expect(result.model).toBe('counting-test-model');
    expect(result.dimensions).toBe(4);
    expect(result.vectors).toHaveLength(3);
    result.vectors.forEach((v, i) => {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v).toHaveLength(4);
      expect(norm(v)).toBeCloseTo(1, 6);
      expect(Array.from(v)).toEqual(
        Array.from(CountingProvider.vectorOf(texts[i])).map((x) => expect.closeTo(x, 6)),
      );
    });
  });

  it('serves repeated texts from the cache without running the model again', async () => {
    const first = await service.embedMany(['incident: search cluster out of disk', 'sprint 42 velocity']);
    const second = await service.embedMany(['sprint 42 velocity', 'incident: search cluster out of disk']);

    expect(provider.textsSeen).toBe(2);
    expect(Array.from(second.vectors[0])).toEqual(Array.from(first.vectors[1]));
    expect(Array.from(second.vectors[1])).toEqual(Array.from(first.vectors[0]));
    expect(service.stats()).toMatchObject({ cacheHits: 2, memoryHits: 2, cacheMisses: 2, textsEmbedded: 2 });
  });

  it('computes a text once when many callers ask for it at the same time', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => service.embedOne('flaky CI test')));

    expect(provider.textsSeen).toBe(1);
    results.forEach((r) => expect(Array.from(r.vector)).toEqual(Array.from(results[0].vector)));
    expect(service.stats().deduplicated).toBe(5);
  });

  it('embeds a duplicated text once within one call and returns it at both positions', async () => {
    const { vectors } = await service.embedMany(['same', 'other', 'same']);

    expect(provider.batches).toEqual([['same', 'other']]);
    expect(Array.from(vectors[2])).toEqual(Array.from(vectors[0]));
  });

  it('cuts texts longer than the model limit, so texts that differ only past it share a vector', async () => {
    const head = 'x'.repeat(50);
    const { vectors } = await service.embedMany([`${head} tail one`, `${head} tail two`]);

    expect(provider.batches).toEqual([[head]]);
    expect(Array.from(vectors[1])).toEqual(Array.from(vectors[0]));
    expect(service.stats().truncated).toBe(2);
  });

  it('never cuts a surrogate pair in half', async () => {
    await service.embedOne(`${'a'.repeat(49)}😀 and more`);

    expect(provider.batches[0][0]).toBe('a'.repeat(49));
  });

  it('coalesces concurrent callers into batches through the service', async () => {
    const texts = Array.from({ length: 16 }, (_, i) => `deploy ${i} failed`);

    const results = await Promise.all(texts.map((t) => service.embedOne(t)));

    expect(provider.batches.map((b) => b.length)).toEqual([8, 8]);
    results.forEach((r, i) =>
      expect(Array.from(r.vector)).toEqual(
        Array.from(CountingProvider.vectorOf(texts[i])).map((x) => expect.closeTo(x, 6)),
      ),
    );
  });

  it('hands out copies: changing a returned vector does not change what the cache serves', async () => {
    const { vector } = await service.embedOne('mutable?');
    vector.fill(0);

    const again = await service.embedOne('mutable?');

    expect(norm(again.vector)).toBeCloseTo(1, 6);
  });

  it('rejects blank texts with VALIDATION_FAILED before touching the model', async () => {
    const error = await service.embedMany(['fine', '   ']).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EmbeddingException);
    expect((error as EmbeddingException).code).toBe(ErrorCode.VALIDATION_FAILED);
    expect(provider.batches).toHaveLength(0);
  });

  it('does not cache a failure: the next call computes again', async () => {
    provider.failures = [new Error('model crashed')];

    await expect(service.embedOne('retry me')).rejects.toThrow('model crashed');
    const { vector } = await service.embedOne('retry me');

    expect(norm(vector)).toBeCloseTo(1, 6);
    expect(provider.textsSeen).toBe(2);
  });

  it('lets callers that can do without a vector carry on when the model fails', async () => {
    provider.failures = [new Error('model crashed')];

    await expect(service.embedOneOrNull('no vector', 'the test')).resolves.toBeNull();
    const next = await service.embedOneOrNull('no vector', 'the test');
    expect(next && norm(next.vector)).toBeCloseTo(1, 6);
  });

  it('counts batches, texts and requests for the metrics module', async () => {
    await service.embedMany(['a', 'b', 'c']);
    await service.embedMany(['a']);

    expect(service.stats()).toMatchObject({
      model: 'counting-test-model',
      dimensions: 4,
      ready: true,
      textsRequested: 4,
      textsEmbedded: 3,
      batches: 1,
      failedBatches: 0,
      requests: 2,
    });
    expect(service.stats().batchMsTotal).toBeGreaterThan(0);
  });

  it('tells when the model is ready and what it makes', async () => {
    expect(service.isReady()).toBe(false);

    await expect(service.whenReady()).resolves.toEqual({ model: 'counting-test-model', dimensions: 4 });
    expect(service.isReady()).toBe(true);
  });

  it('keeps retrying a model that fails to load at start-up until it is ready, without any caller', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    try {
      provider.loadFailures = 2;
      service.onModuleInit();
      await jest.advanceTimersByTimeAsync(0);
      expect(service.isReady()).toBe(false);

      await jest.advanceTimersByTimeAsync(1_000); // first retry after 1 s: fails again
      expect(service.isReady()).toBe(false);
      await jest.advanceTimersByTimeAsync(2_000); // second retry after 2 s more: loads

      expect(service.isReady()).toBe(true);
      expect(provider.loadAttempts).toBe(3);
    } finally {
      jest.useRealTimers();
    }
  });

  it('stops retrying once the module is shut down', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    try {
      provider.loadFailures = 100;
      service.onModuleInit();
      await jest.advanceTimersByTimeAsync(0);
      await service.onModuleDestroy();
      await jest.advanceTimersByTimeAsync(120_000);

      expect(provider.loadAttempts).toBe(1);
    } finally {
      jest.useRealTimers();
    }
  });

  it('works with the in-process cache disabled (every call computes)', async () => {
    const uncached = new EmbeddingService(provider, makeConfig({ EMBEDDING_CACHE_SIZE: '0' }));

    await uncached.embedOne('no cache');
    await uncached.embedOne('no cache');

    expect(provider.textsSeen).toBe(2);
  });
});
