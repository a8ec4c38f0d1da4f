import { startTestApp, type TestApp } from './support/test-app';
import { TestRedisServer } from './support/redis-server';
import { eventually as poll } from './support/eventually';

const eventually = (check: () => Promise<boolean>, timeoutMs = 15_000) =>
  poll(check, { timeoutMs, what: 'readiness' });

describe('Health probes', () => {
  let redis: TestRedisServer;
  let t: TestApp;

  beforeAll(async () => {
    redis = await TestRedisServer.start();
    t = await startTestApp({ REDIS_URL: redis.url });
  });
  afterAll(async () => {
    await t.close();
    await redis.stop();
  });

  it('is live and ready with every dependency listed', async () => {
    expect((await t.request({ method: 'GET', url: '/health/live' })).status).toBe(200);
    await eventually(async () => (await t.request({ method: 'GET', url: '/health/ready' })).status === 200);
    const ready = await t.request({ method: 'GET', url: '/health/ready' });
    expect(ready.body.details).toEqual(
      expect.objectContaining({ postgres: { status: 'up' }, redis: { status: 'up' } }),
    );
  });

  it('turns 503 when Redis stops and 200 when it returns, without a restart', async () => {
    await redis.stop();
    await eventually(
      async () => (await t.request({ method: 'GET', url: '/health/ready' })).status === 503,
      5000,
    );
    const down = await t.request({ method: 'GET', url: '/health/ready' });
    expect(down.status).toBe(503);
    expect(down.body.details.redis.status).toBe('down');
    expect(down.body.details.postgres.status).toBe('up');
    // Liveness must not follow a dependency down, or Kubernetes would restart healthy pods.
    expect((await t.request({ method: 'GET', url: '/health/live' })).status).toBe(200);

    await redis.restart();
    await eventually(async () => (await t.request({ method: 'GET', url: '/health/ready' })).status === 200);
  });
});
