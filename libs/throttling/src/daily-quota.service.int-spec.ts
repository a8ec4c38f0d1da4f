import { randomUUID } from 'node:crypto';
import { AppConfig } from '@app/config';
import { RedisService } from '@app/database';
import { DailyQuotaService, type QuotaClock } from './daily-quota.service';
import type { DailyQuotas, TenantLimitsService } from './tenant-limits.service';

describe('DailyQuotaService (real Redis, injected clock)', () => {
  const redis = new RedisService(new AppConfig(process.env));
  let now = new Date('2026-12-07T23:59:00Z');
  const clock: QuotaClock = { now: () => now };
  const quotas = new Map<string, DailyQuotas>();
  const limits = {
    quotasFor: (tenantId: string) =>
      Promise.resolve(quotas.get(tenantId) ?? { questions: 0, embeddedTexts: 0 }),
  } as unknown as TenantLimitsService;
  const service = new DailyQuotaService(redis, limits, clock);

  beforeAll(async () => {
    // Commands fail fast until the connection is up (no offline queue).
    if (redis.client.status !== 'ready') await new Promise((resolve) => redis.client.once('ready', resolve));
  });
  afterAll(() => redis.onModuleDestroy());

  it('refuses what would exceed the quota without counting it, and starts again the next UTC day', async () => {
    const tenant = randomUUID();
    quotas.set(tenant, { questions: 3, embeddedTexts: 0 });
    now = new Date('2026-12-07T23:59:00Z');

    expect(await service.consume(tenant, 'questions', 2)).toMatchObject({
      allowed: true,
      used: 2,
      remaining: 1,
    });
    const refused = await service.consume(tenant, 'questions', 2);
    expect(refused).toMatchObject({ allowed: false, limit: 3, used: 2, remaining: 1 });
    expect(refused.resetsAt).toBe('2026-12-08T00:00:00.000Z');
    expect(await service.consume(tenant, 'questions', 1)).toMatchObject({
      allowed: true,
      used: 3,
      remaining: 0,
    });
    expect(await service.consume(tenant, 'questions', 1)).toMatchObject({ allowed: false });
    expect((await service.report(tenant)).questions).toEqual({
      limit: 3,
      used: 3,
      remaining: 0,
      resetsAt: '2026-12-08T00:00:00.000Z',
    });

    now = new Date('2026-12-08T00:00:01Z');
    expect((await service.report(tenant)).questions).toMatchObject({ used: 0, remaining: 3 });
    expect(await service.consume(tenant, 'questions', 1)).toMatchObject({
      allowed: true,
      used: 1,
      remaining: 2,
    });
    expect((await service.report(tenant)).questions.resetsAt).toBe('2026-12-09T00:00:00.000Z');
  });

  it("keeps tenants' counts apart and reports no quota as null", async () => {
    const a = randomUUID();
    const b = randomUUID();
    quotas.set(a, { questions: 1, embeddedTexts: 5 });
    quotas.set(b, { questions: 1, embeddedTexts: 0 });
    expect(await service.consume(a, 'questions', 1)).toMatchObject({ allowed: true });
    expect(await service.consume(a, 'questions', 1)).toMatchObject({ allowed: false });
    expect(await service.consume(b, 'questions', 1)).toMatchObject({ allowed: true });
    // No quota: always allowed, nothing counted.
    for (let i = 0; i < 3; i++)
      expect(await service.consume(b, 'embeddedTexts', 100)).toMatchObject({ allowed: true, limit: null });
    expect((await service.report(b)).embeddedTexts).toMatchObject({ limit: null, used: 0, remaining: null });
    expect((await service.report(a)).embeddedTexts).toMatchObject({ limit: 5, used: 0, remaining: 5 });
  });
});
