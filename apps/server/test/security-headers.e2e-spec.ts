import { startTestApp, type TestApp } from './support/test-app';

const csp = (headers: Record<string, unknown>) =>
  new Map(
    String(headers['content-security-policy'])
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .map(([name, ...values]) => [name, values.join(' ')]),
  );

describe('security headers on API responses and Swagger UI', () => {
  let t: TestApp;
  let apiKey: string;

  beforeAll(async () => {
    t = await startTestApp();
    apiKey = (await t.createTenant()).apiKey;
  });

  afterAll(async () => {
    await t?.close();
  });

  it('API responses, errors included, carry a strict CSP, nosniff, a referrer policy and no framing', async () => {
    const responses = await Promise.all([
      t.request({ method: 'GET', url: '/v1/etl/status', token: apiKey }),
      t.request({ method: 'GET', url: '/v1/etl/status' }),
      t.request({ method: 'POST', url: '/v1/ai/query', token: apiKey, payload: '{"question":' }),
      t.request({ method: 'GET', url: '/health/live' }),
      t.request({ method: 'GET', url: '/no/such/route' }),
    ]);
    expect(responses.map((r) => r.status)).toEqual([200, 401, 400, 200, 404]);
    for (const res of responses) {
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-frame-options']).toBe('DENY');
      const policy = csp(res.headers);
      expect(policy.get('default-src')).toBe("'self'");
      expect(policy.get('script-src')).toBe("'self'");
      expect(policy.get('style-src')).toBe("'self'");
      expect(policy.get('connect-src')).toBe("'self'");
      expect(policy.get('frame-ancestors')).toBe("'none'");
      expect(policy.get('object-src')).toBe("'none'");
    }
  });

  it('Swagger UI still works: its scripts are same-origin files, only its inline styles are allowed', async () => {
    const page = await t.request({ method: 'GET', url: '/docs' });
    expect(page.status).toBe(200);
    const html = String(page.body);
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/src=/);
      expect(body.trim()).toBe('');
      const src = /src=["']([^"']+)["']/.exec(attrs)![1];
      const file = await t.request({ method: 'GET', url: new URL(src, 'http://x/docs').pathname });
      expect({ src, status: file.status }).toEqual({ src, status: 200 });
    }
    const policy = csp(page.headers);
    expect(policy.get('script-src')).toBe("'self'");
    expect(policy.get('style-src')).toBe("'self' 'unsafe-inline'");
    expect(policy.get('frame-ancestors')).toBe("'none'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
  });
});
