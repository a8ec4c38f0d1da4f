import { AppConfig } from '@app/config';
import { RedisService } from '@app/database';
import { EmbeddingCache } from './embedding-cache';
import { EmbeddingService } from './embedding.service';
import { CountingProvider } from './testing/counting-provider.fixture';

// Against the real Redis of the test machine (REDIS_PREFIX is unique per run).
function config(overrides: Record<string, string> = {}): AppConfig {
  return new AppConfig({ ...process.env, EMBEDDING_CACHE_TTL_S: '600', ...overrides });
}

async function waitForKey(redis: RedisService, key: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await redis.client.exists(key)) === 1) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${key} never written`);
}

describe('EmbeddingService with the Redis cache tier', () => {
  let redis: RedisService;

  beforeAll(async () => {
    redis = new RedisService(config());
    // The shared client refuses commands until connected (no offline queue).
    if (redis.client.status !== 'ready') await new Promise((resolve) => redis.client.once('ready', resolve));
  });

  afterAll(async () => {
    const keys = await redis.client.keys(redis.key('emb', '*'));
    if (keys.length > 0) await redis.client.del(...keys);
    await redis.onModuleDestroy();
  });

  it('lets another process reuse a vector through Redis without running its model', async () => {
    const first = new CountingProvider();
    const second = new CountingProvider();
    const text = 'Deployment of the billing service was rolled back';
    const writer = new EmbeddingService(first, config(), redis);
    const { vector } = await writer.embedOne(text);
    const key = redis.key('emb', EmbeddingCache.key(first.model, text));
    await waitForKey(redis, key);

    // A fresh service has an empty in-process cache, like another pod.
    const reader = new EmbeddingService(second, config(), redis);
    const again = await reader.embedOne(text);

    expect(second.textsSeen).toBe(0);
    expect(Array.from(again.vector)).toEqual(Array.from(vector));
    expect(reader.stats()).toMatchObject({ redisHits: 1, memoryHits: 0, textsEmbedded: 0 });
    const ttl = await redis.client.ttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(600);
  });

  it('treats a stored value of the wrong size as a miss and recomputes', async () => {
    const provider = new CountingProvider();
    const text = 'corrupted entry';
    await redis.client.set(
      redis.key('emb', EmbeddingCache.key(provider.model, text)),
      Buffer.from([1, 2, 3]),
    );

    const { vector } = await new EmbeddingService(provider, config(), redis).embedOne(text);

    expect(provider.textsSeen).toBe(1);
    expect(Array.from(vector)).toEqual(Array.from(CountingProvider.vectorOf(text)));
  });

  it('keeps embedding when Redis goes away, and counts the errors', async () => {
    const down = new RedisService(config());
    // Connection lost for good: every command now fails at once.
    down.client.disconnect();
    const provider = new CountingProvider();
    const service = new EmbeddingService(provider, config(), down);

    const { vectors } = await service.embedMany(['redis is down', 'still works']);
    await new Promise((r) => setTimeout(r, 20));

    expect(vectors).toHaveLength(2);
    expect(provider.textsSeen).toBe(2);
    // The lookup and the background write both failed, and neither reached the caller.
    expect(service.stats().redisErrors).toBe(2);
  });
});
