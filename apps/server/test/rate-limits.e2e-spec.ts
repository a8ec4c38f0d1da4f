import { expectErrorShape, startTestApp, type TestApp } from './support/test-app';

/** A long refill period so buckets do not refill mid-test on a slow machine (search: one token per 20 s). */
const WINDOW_S = 60;

describe('Per-tenant rate limits', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      RATE_LIMIT_WINDOW_S: String(WINDOW_S),
      RATE_LIMIT_SEARCH: '3',
      RATE_LIMIT_EMBED: '5',
      RATE_LIMIT_ADMIN: '1000',
      RATE_LIMIT_QUERY: '1000',
      RATE_LIMIT_INGEST: '1000',
      RATE_LIMIT_REJECT_DELAY_MS: '200',
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const search = (apiKey: string, body: unknown = { query: 'flaky login test', limit: 1 }) =>
    t.request({ method: 'POST', url: '/v1/ai/search', token: apiKey, body });

  it('sends RateLimit-* headers on limited routes and 429 RATE_LIMITED with Retry-After past the limit', async () => {
    const a = await t.createTenant();
    const statuses: number[] = [];
    const remaining: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await search(a.apiKey);
      statuses.push(res.status);
      remaining.push(res.headers['ratelimit-remaining']);
      expect(res.headers['ratelimit-limit']).toBe('3');
      expect(res.headers['ratelimit-policy']).toBe(`3;w=${WINDOW_S}`);
      // A token bucket of 3 refilled at 3 per 60 s: the next token is due within 20 s, not at a window's end.
      expect(Number(res.headers['ratelimit-reset'])).toBeGreaterThanOrEqual(15);
      expect(Number(res.headers['ratelimit-reset'])).toBeLessThanOrEqual(20);
    }
    expect(statuses).toEqual([200, 200, 200]);
    expect(remaining).toEqual(['2', '1', '0']);

    const over = await search(a.apiKey);
    expect(over.status).toBe(429);
    expectErrorShape(over.body, 'RATE_LIMITED');
    expect(over.body.error.details).toMatchObject({ routeClass: 'search', limit: 3, windowS: WINDOW_S });
    // Until one token is back (less the time the refusal was held), whole seconds rounded up.
    const retryAfter = Number(over.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(15);
    expect(retryAfter).toBeLessThanOrEqual(20);
    expect(over.headers['ratelimit-reset']).toBe(String(retryAfter));
    expect(over.headers['ratelimit-remaining']).toBe('0');
    expect(over.headers['x-request-id']).toBe(over.body.requestId);
    // Refused in the first request hook, still with the headers every response carries.
    expect(over.headers['x-content-type-options']).toBe('nosniff');
    expect(over.headers['x-frame-options']).toBe('DENY');
    expect(String(over.headers['content-security-policy'])).toContain("default-src 'self'");

    // Checked before the body is parsed or validated: an invalid request over the limit is still a 429.
    const invalid = await search(a.apiKey, { limit: 'many' });
    expect(invalid.status).toBe(429);
    // Other route classes keep their own budget.
    const embed = await t.request({
      method: 'POST',
      url: '/v1/ai/embed',
      token: a.apiKey,
      body: { texts: ['x'] },
    });
    expect(embed.status).toBe(200);
    expect(embed.headers['ratelimit-limit']).toBe('5');
  });

  it("keeps tenant B's budget independent of tenant A's", async () => {
    const a = await t.createTenant();
    const b = await t.createTenant();
    for (let i = 0; i < 4; i++) await search(a.apiKey);
    expect((await search(a.apiKey)).status).toBe(429);
    const res = await search(b.apiKey);
    expect(res.status).toBe(200);
    expect(res.headers['ratelimit-remaining']).toBe('2');
  });

  it('never limits health probes, /metrics or unauthenticated requests (the guard answers those)', async () => {
    for (const url of ['/health/live', '/metrics']) {
      const res = await t.request({ method: 'GET', url });
      expect(res.status).toBe(200);
      expect(res.headers['ratelimit-limit']).toBeUndefined();
    }
    const anonymous = await t.request({ method: 'POST', url: '/v1/ai/search', body: { query: 'x' } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['ratelimit-limit']).toBeUndefined();
  });

  it('applies per-tenant overrides from the admin API, and null returns to the default', async () => {
    const a = await t.createTenant();
    const b = await t.createTenant();
    const url = `/v1/admin/tenants/${a.id}/limits`;

    const before = await t.request({ method: 'GET', url, token: t.adminToken });
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ tenantId: a.id, windowS: WINDOW_S, overrides: {} });
    expect(before.body.effective).toMatchObject({ search: 3, embed: 5 });

    const put = await t.request({ method: 'PUT', url, token: t.adminToken, body: { search: 1, embed: 0 } });
    expect(put.status).toBe(200);
    expect(put.body.overrides).toEqual({ search: 1, embed: 0 });
    expect(put.body.effective).toMatchObject({ search: 1, embed: 0, query: 1000 });

    expect((await search(a.apiKey)).status).toBe(200);
    expect((await search(a.apiKey)).status).toBe(429);
    // 0 = unlimited for this tenant: no limit, no headers.
    for (let i = 0; i < 7; i++) {
      const embed = await t.request({
        method: 'POST',
        url: '/v1/ai/embed',
        token: a.apiKey,
        body: { texts: ['x'] },
      });
      expect(embed.status).toBe(200);
      expect(embed.headers['ratelimit-limit']).toBeUndefined();
    }
    // B keeps the defaults.
    expect((await search(b.apiKey)).headers['ratelimit-limit']).toBe('3');

    const reset = await t.request({
      method: 'PUT',
      url,
      token: t.adminToken,
      body: { search: 10, embed: null },
    });
    expect(reset.body.overrides).toEqual({ search: 10 });
    expect(reset.body.effective).toMatchObject({ search: 10, embed: 5 });
    const afterReset = await search(a.apiKey);
    expect(afterReset.status).toBe(200);
    expect(afterReset.headers['ratelimit-limit']).toBe('10');
  });

  it('validates overrides and refuses unknown tenants and non-admin callers', async () => {
    const a = await t.createTenant();
    const url = `/v1/admin/tenants/${a.id}/limits`;
    for (const body of [{ search: -1 }, { query: 1.5 }, { embed: 'ten' }]) {
      const res = await t.request({ method: 'PUT', url, token: t.adminToken, body });
      expect(res.status).toBe(400);
      expectErrorShape(res.body, 'VALIDATION_FAILED');
    }
    const unknown = await t.request({
      method: 'PUT',
      url: '/v1/admin/tenants/00000000-0000-4000-8000-000000000000/limits',
      token: t.adminToken,
      body: { search: 1 },
    });
    expect(unknown.status).toBe(404);
    expectErrorShape(unknown.body, 'NOT_FOUND');
    const asTenant = await t.request({ method: 'PUT', url, token: a.apiKey, body: { search: 1000 } });
    expect(asTenant.status).toBe(403);
  });

  it('enforces daily quotas set through the admin API and reports what remains in /v1/metrics/performance', async () => {
    const a = await t.createTenant();
    const b = await t.createTenant();
    const put = await t.request({
      method: 'PUT',
      url: `/v1/admin/tenants/${a.id}/limits`,
      token: t.adminToken,
      body: { dailyEmbeddedTexts: 3, embed: 1000 },
    });
    expect(put.status).toBe(200);
    expect(put.body.effective).toMatchObject({ dailyEmbeddedTexts: 3, dailyQuestions: 0 });
    const embed = (apiKey: string, texts: string[]) =>
      t.request({ method: 'POST', url: '/v1/ai/embed', token: apiKey, body: { texts } });

    expect((await embed(a.apiKey, ['one', 'two'])).status).toBe(200);
    const over = await embed(a.apiKey, ['three', 'four']);
    expect(over.status).toBe(429);
    expectErrorShape(over.body, 'RATE_LIMITED');
    expect(over.body.error.details).toMatchObject({ quota: 'embeddedTexts', limit: 3, used: 2 });
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(over.headers['retry-after'])).toBeLessThanOrEqual(86_400);
    expect((await embed(a.apiKey, ['three'])).status).toBe(200);

    const perf = await t.request({ method: 'GET', url: '/v1/metrics/performance', token: a.apiKey });
    expect(perf.status).toBe(200);
    expect(perf.body.quotas).toEqual({
      embeddedTexts: { limit: 3, used: 3, remaining: 0, resetsAt: expect.stringMatching(/T00:00:00\.000Z$/) },
      questions: { limit: null, used: 0, remaining: null, resetsAt: expect.any(String) },
    });
    // B has no quota and is not affected by A's.
    expect((await embed(b.apiKey, ['x', 'y', 'z', 'w'])).status).toBe(200);
    const perfB = await t.request({ method: 'GET', url: '/v1/metrics/performance', token: b.apiKey });
    expect(perfB.body.quotas.embeddedTexts).toMatchObject({ limit: null, remaining: null });
  });

  it('counts throttled requests by route class in /metrics', async () => {
    const metrics = await t.request({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(
      /pulse_throttled_requests_total\{tenant="[^"]+",route_class="search"\} [1-9]/,
    );
  });
});
