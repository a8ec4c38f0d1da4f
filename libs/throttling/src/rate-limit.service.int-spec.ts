import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppConfig } from '@app/config';
import { RedisService } from '@app/database';
import { LEASE_MIN_CAPACITY, RateLimitService, type RateDecision } from './rate-limit.service';

/** Two "pods": each has its own Redis connection and its own in-memory state, sharing the buckets in Redis. */
describe('RateLimitService token buckets (real Redis, two pods)', () => {
  const redisA = new RedisService(new AppConfig(process.env));
  const redisB = new RedisService(new AppConfig(process.env));
  const podA = new RateLimitService(redisA);
  const podB = new RateLimitService(redisB);

  beforeAll(async () => {
    // Commands fail fast until the connection is up (no offline queue).
    for (const r of [redisA, redisB])
      if (r.client.status !== 'ready') await new Promise((resolve) => r.client.once('ready', resolve));
  });
  afterAll(async () => {
    await redisA.onModuleDestroy();
    await redisB.onModuleDestroy();
  });

  const take = async (pod: RateLimitService, tenant: string, n: number, limit: number, windowS: number) => {
    const out: RateDecision[] = [];
    for (let i = 0; i < n; i++) out.push(await pod.consume('search', tenant, limit, windowS));
    return out;
  };

  it('allows a burst of the capacity, then refuses until the next token, which arrives on time', async () => {
    const tenant = randomUUID();
    // Capacity 5, refilled at 5 per 5 s: one token a second.
    const burst = await take(podA, tenant, 5, 5, 5);
    expect(burst.map((d) => d.allowed)).toEqual([true, true, true, true, true]);
    expect(burst.map((d) => d.remaining)).toEqual([4, 3, 2, 1, 0]);
    for (const d of burst) {
      expect(d.limit).toBe(5);
      expect(d.resetMs).toBeGreaterThan(0);
      expect(d.resetMs).toBeLessThanOrEqual(1000);
    }

    const refused = await podA.consume('search', tenant, 5, 5);
    expect(refused).toMatchObject({ allowed: false, remaining: 0, limit: 5 });
    expect(refused.resetMs).toBeGreaterThan(0);
    expect(refused.resetMs).toBeLessThanOrEqual(1000);
    // The other pod sees the same empty bucket.
    expect((await podB.consume('search', tenant, 5, 5)).allowed).toBe(false);

    // One token after the announced wait: one request passes, the next is refused (a second token would take
    // another full second, so a late timer on a loaded machine does not change the outcome).
    await sleep(refused.resetMs + 50);
    const refilled = await podB.consume('search', tenant, 5, 5);
    expect(refilled).toMatchObject({ allowed: true, remaining: 0 });
    expect((await podA.consume('search', tenant, 5, 5)).allowed).toBe(false);
  });

  it('serves the steady refill rate, not a window per pod, to a tenant asking as fast as it can from two pods', async () => {
    const tenant = randomUUID();
    const capacity = 4;
    const windowS = 1; // 4 tokens a second
    let accepted = 0;
    const started = performance.now();
    const until = started + 2_500;
    const loop = async (pod: RateLimitService) => {
      while (performance.now() < until) {
        if ((await pod.consume('search', tenant, capacity, windowS)).allowed) accepted++;
        await sleep(2);
      }
    };
    await Promise.all([loop(podA), loop(podB), loop(podA), loop(podB)]);
    const elapsedS = (performance.now() - started) / 1000;
    const expected = capacity + (capacity / windowS) * elapsedS;
    expect(accepted).toBeLessThanOrEqual(Math.floor(expected) + 1);
    expect(accepted).toBeGreaterThanOrEqual(Math.floor(expected) - 2);
  });

  it('answers a remembered refusal without Redis until the next token is due', async () => {
    const tenant = randomUUID();
    const redis = new RedisService(new AppConfig(process.env));
    const pod = new RateLimitService(redis);
    if (redis.client.status !== 'ready') await new Promise((resolve) => redis.client.once('ready', resolve));
    // Capacity 1 refilled once a minute.
    expect((await pod.consume('search', tenant, 1, 60)).allowed).toBe(true);
    expect((await pod.consume('search', tenant, 1, 60)).allowed).toBe(false);
    // With Redis unreachable a pod fails open, so a refusal now can only come from memory.
    redis.client.disconnect();
    const local = await pod.consume('search', tenant, 1, 60);
    expect(local.allowed).toBe(false);
    expect(local.resetMs).toBeGreaterThan(50_000);
    // Another tenant is not refused from memory (and is let through, the store being down).
    expect((await pod.consume('search', randomUUID(), 1, 60)).allowed).toBe(true);
  });

  it('keeps what a tenant used when its capacity changes (an admin override)', async () => {
    const tenant = randomUUID();
    expect((await take(podA, tenant, 2, 1, 60)).map((d) => d.allowed)).toEqual([true, false]);
    // Raised to 10 per minute: one of the ten is already used.
    const raised = await take(podB, tenant, 10, 10, 60);
    expect(raised.filter((d) => d.allowed)).toHaveLength(9);
    expect(raised[0].remaining).toBe(8);
    // Lowered to 3: the bucket is over-full and refuses until it drains below the new capacity.
    expect((await podA.consume('search', tenant, 3, 60)).allowed).toBe(false);
  });

  it("keeps each tenant's and each route class's bucket apart", async () => {
    const a = randomUUID();
    const b = randomUUID();
    await take(podA, a, 3, 2, 60);
    expect((await podA.consume('search', a, 2, 60)).allowed).toBe(false);
    expect(await podA.consume('search', b, 2, 60)).toMatchObject({ allowed: true, remaining: 1 });
    expect(await podA.consume('embed', a, 2, 60)).toMatchObject({ allowed: true, remaining: 1 });
  });

  it('draws on a large bucket a lease at a time: exact totals across pods, one Redis call per lease', async () => {
    const tenant = randomUUID();
    const capacity = 2 * LEASE_MIN_CAPACITY; // a lease is 2 tokens, refilled over a minute
    const calls = { n: 0 };
    const counted = new RedisService(new AppConfig(process.env));
    if (counted.client.status !== 'ready')
      await new Promise((resolve) => counted.client.once('ready', resolve));
    const send = counted.client.sendCommand.bind(counted.client);
    counted.client.sendCommand = (...args: Parameters<typeof send>) => {
      calls.n++;
      return send(...args);
    };
    const pod = new RateLimitService(counted);
    try {
      const mine = await Promise.all(
        Array.from({ length: 10 }, () => pod.consume('search', tenant, capacity, 60)),
      );
      expect(mine.every((d) => d.allowed)).toBe(true);
      // Leases of 2 tokens: 5 for 10 requests (the script's first call may be an EVAL after a failed EVALSHA).
      expect(calls.n).toBeLessThanOrEqual(6);
      expect(mine.at(-1)!.remaining).toBe(capacity - 10);
      // Another pod draws on the same bucket: it sees the tokens this pod took.
      const other = await podB.consume('search', tenant, capacity, 60);
      expect(other).toMatchObject({ allowed: true, remaining: capacity - 12 + 1 });
    } finally {
      await counted.onModuleDestroy();
    }
  });

  it('takes single tokens from a large bucket too nearly empty for a whole lease, and refuses when it is empty', async () => {
    const tenant = randomUUID();
    const capacity = 2 * LEASE_MIN_CAPACITY;
    // All but one token used (as the script keeps it: tokens used, and when, in Redis server time).
    const [s] = await redisA.client.time();
    await redisA.client.hset(
      redisA.key('ratelimit', 'search', tenant),
      'level',
      capacity - 1,
      'ts',
      `${s}000`,
    );
    const last = await podB.consume('search', tenant, capacity, 3600);
    expect(last).toMatchObject({ allowed: true, remaining: 0 });
    expect((await podB.consume('search', tenant, capacity, 3600)).allowed).toBe(false);
  });
});
