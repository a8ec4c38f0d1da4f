import { expectErrorShape, startTestApp, type TestApp } from './support/test-app';

/** Each kind of bad input gets its documented 4xx and the error shape; never a 500. */
describe('Bad input over HTTP', () => {
  let t: TestApp;
  let key: string;
  const valid = { kind: 'llm', provider: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1', model: 'm' };

  beforeAll(async () => {
    t = await startTestApp({ BODY_LIMIT_BYTES: String(256 * 1024) });
    key = (await t.createTenant()).apiKey;
  });
  afterAll(async () => {
    await t.close();
  });

  const cases: {
    name: string;
    status: number;
    code: string;
    run: () => Promise<{ status: number; body: any }>;
  }[] = [
    {
      name: 'malformed JSON',
      status: 400,
      code: 'MALFORMED_JSON',
      run: () =>
        t.request({ method: 'PUT', url: '/v1/integrations/x', token: key, payload: '{"kind": "llm",' }),
    },
    {
      name: 'empty JSON body',
      status: 400,
      code: 'MALFORMED_JSON',
      run: () =>
        t.request({
          method: 'PUT',
          url: '/v1/integrations/x',
          token: key,
          payload: '',
          headers: { 'content-type': 'application/json' },
        }),
    },
    {
      name: 'JSON null body',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => t.request({ method: 'PUT', url: '/v1/integrations/x', token: key, payload: 'null' }),
    },
    {
      name: 'JSON array body',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => t.request({ method: 'PUT', url: '/v1/integrations/x', token: key, body: [valid] }),
    },
    {
      name: 'JSON string body',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => t.request({ method: 'PUT', url: '/v1/integrations/x', token: key, body: 'llm' }),
    },
    {
      name: 'wrong type (number for string)',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () =>
        t.request({ method: 'PUT', url: '/v1/integrations/x', token: key, body: { ...valid, model: 42 } }),
    },
    {
      name: 'wrong type (string for number)',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () =>
        t.request({
          method: 'PUT',
          url: '/v1/integrations/x',
          token: key,
          body: { ...valid, timeoutMs: '1000' },
        }),
    },
    {
      name: 'wrong type (object for boolean)',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () =>
        t.request({
          method: 'PUT',
          url: '/v1/integrations/x',
          token: key,
          body: { ...valid, enabled: { a: 1 } },
        }),
    },
    {
      name: 'unknown enum value',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () =>
        t.request({
          method: 'PUT',
          url: '/v1/integrations/x',
          token: key,
          body: { ...valid, kind: 'vision' },
        }),
    },
    {
      name: 'missing required field',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => t.request({ method: 'PUT', url: '/v1/integrations/x', token: key, body: { kind: 'llm' } }),
    },
    {
      name: 'unknown field',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () =>
        t.request({
          method: 'PUT',
          url: '/v1/integrations/x',
          token: key,
          body: { ...valid, tenantId: 'other' },
        }),
    },
    {
      name: 'prototype pollution key',
      status: 400,
      code: 'MALFORMED_JSON',
      run: () =>
        t.request({
          method: 'PUT',
          url: '/v1/integrations/x',
          token: key,
          payload: JSON.stringify({ ...valid }).replace('{', '{"__proto__": {"admin": true},'),
        }),
    },
    {
      name: 'huge string (over field limit)',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () =>
        t.request({
          method: 'PUT',
          url: '/v1/integrations/x',
          token: key,
          body: { ...valid, model: 'm'.repeat(5000) },
        }),
    },
    {
      name: 'body over the size limit',
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
      run: () =>
        t.request({
          method: 'PUT',
          url: '/v1/integrations/x',
          token: key,
          body: { ...valid, model: 'm'.repeat(300 * 1024) },
        }),
    },
    {
      name: 'negative number',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () =>
        t.request({
          method: 'PUT',
          url: '/v1/integrations/x',
          token: key,
          body: { ...valid, inputCostPer1k: -1 },
        }),
    },
    {
      name: 'non-URL baseUrl',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () =>
        t.request({
          method: 'PUT',
          url: '/v1/integrations/x',
          token: key,
          body: { ...valid, baseUrl: 'javascript:alert(1)' },
        }),
    },
    {
      name: 'SQL payload in name path',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () =>
        t.request({
          method: 'PUT',
          url: `/v1/integrations/${encodeURIComponent("x'; DROP TABLE tenants;--")}`,
          token: key,
          body: valid,
        }),
    },
    {
      name: 'HTML payload in slug',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () =>
        t.request({
          method: 'POST',
          url: '/v1/admin/tenants',
          token: t.adminToken,
          body: { slug: '<script>alert(1)</script>', name: 'x' },
        }),
    },
    {
      name: 'invalid UUID path param',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () =>
        t.request({ method: 'POST', url: "/v1/admin/tenants/1' OR '1'='1/api-keys", token: t.adminToken }),
    },
    {
      name: 'unknown route',
      status: 404,
      code: 'NOT_FOUND',
      run: () => t.request({ method: 'GET', url: '/v1/nothing-here', token: key }),
    },
    {
      name: 'unsupported content type',
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      run: () =>
        t.request({
          method: 'PUT',
          url: '/v1/integrations/x',
          token: key,
          payload: '<kind>llm</kind>',
          headers: { 'content-type': 'application/xml' },
        }),
    },
    {
      name: 'form-encoded body',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () =>
        t.request({
          method: 'PUT',
          url: '/v1/integrations/x',
          token: key,
          payload: 'kind=llm',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
    },
    {
      name: 'deeply nested body',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () =>
        t.request({
          method: 'PUT',
          url: '/v1/integrations/x',
          token: key,
          payload: `{"kind":"llm","model":${'['.repeat(5000)}${']'.repeat(5000)}}`,
        }),
    },
    {
      name: 'unicode edge cases in name',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () =>
        t.request({
          method: 'PUT',
          url: `/v1/integrations/${encodeURIComponent('\u202e\u0000evil')}`,
          token: key,
          body: valid,
        }),
    },
    {
      name: 'lone surrogate in string',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () =>
        t.request({
          method: 'POST',
          url: '/v1/admin/tenants',
          token: t.adminToken,
          payload: '{"slug": "\\ud800", "name": "x"}',
        }),
    },
    {
      name: 'missing credential',
      status: 401,
      code: 'UNAUTHORIZED',
      run: () => t.request({ method: 'GET', url: '/v1/integrations' }),
    },
    {
      name: 'malformed authorization header',
      status: 401,
      code: 'UNAUTHORIZED',
      run: () =>
        t.request({ method: 'GET', url: '/v1/integrations', headers: { authorization: 'Basic abc' } }),
    },
  ];

  it.each(cases)('$name → $status $code', async ({ run, status, code }) => {
    const res = await run();
    expect(res.status).toBe(status);
    expectErrorShape(res.body, code);
  });

  it('echoes a sane x-request-id and puts it in error bodies', async () => {
    const res = await t.request({
      method: 'GET',
      url: '/v1/nothing',
      headers: { 'x-request-id': 'trace-123' },
    });
    expect(res.headers['x-request-id']).toBe('trace-123');
    expect(res.body.requestId).toBe('trace-123');
  });
});
