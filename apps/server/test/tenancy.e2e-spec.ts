import { Client } from 'pg';
import { expectErrorShape, startTestApp, type TestApp } from './support/test-app';

describe('Tenancy and integrations over HTTP', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const llm = {
    kind: 'llm',
    provider: 'openai-compatible',
    baseUrl: 'http://127.0.0.1:9/v1',
    model: 'm',
    apiKey: 'sk-secret',
  };

  it('creates a tenant whose key is shown once and rejects a duplicate slug with 409', async () => {
    const a = await t.createTenant();
    expect(a.apiKey).toMatch(/^pulse_/);
    const dup = await t.request({
      method: 'POST',
      url: '/v1/admin/tenants',
      token: t.adminToken,
      body: { slug: a.slug, name: 'x' },
    });
    expect(dup.status).toBe(409);
    expectErrorShape(dup.body, 'CONFLICT');
    const list = await t.request({ method: 'GET', url: '/v1/admin/tenants', token: t.adminToken });
    expect(list.status).toBe(200);
    const listed = list.body.tenants.find((x: { id: string }) => x.id === a.id);
    expect(listed).toEqual(expect.objectContaining({ slug: a.slug, createdAt: expect.any(String) }));
    expect(JSON.stringify(list.body)).not.toContain('apiKey');
  });

  it('refuses admin routes to tenant keys (403) and to missing or wrong tokens (401)', async () => {
    const a = await t.createTenant();
    const asTenant = await t.request({ method: 'GET', url: '/v1/admin/tenants', token: a.apiKey });
    expect(asTenant.status).toBe(403);
    expectErrorShape(asTenant.body, 'FORBIDDEN');
    for (const token of [undefined, 'nope', `${a.apiKey}x`, t.adminToken.slice(0, -1)]) {
      const res = await t.request({ method: 'GET', url: '/v1/admin/tenants', token });
      expect(res.status).toBe(401);
      expectErrorShape(res.body, 'UNAUTHORIZED');
    }
  });

  it('refuses tenant routes to the admin token (403)', async () => {
    const res = await t.request({ method: 'GET', url: '/v1/integrations', token: t.adminToken });
    expect(res.status).toBe(403);
  });

  it('stores integrations per tenant, never returns the key, and isolates tenants', async () => {
    const a = await t.createTenant();
    const b = await t.createTenant();
    const put = await t.request({
      method: 'PUT',
      url: '/v1/integrations/gateway',
      token: a.apiKey,
      body: llm,
    });
    expect(put.status).toBe(200);
    expect(put.body).toEqual(
      expect.objectContaining({ name: 'gateway', hasApiKey: true, tier: 'any', enabled: true }),
    );
    expect(JSON.stringify(put.body)).not.toContain('sk-secret');

    const bList = await t.request({ method: 'GET', url: '/v1/integrations', token: b.apiKey });
    expect(bList.body).toEqual({ integrations: [] });
    const bDelete = await t.request({ method: 'DELETE', url: '/v1/integrations/gateway', token: b.apiKey });
    expect(bDelete.status).toBe(404);
    const bPut = await t.request({
      method: 'PUT',
      url: '/v1/integrations/gateway',
      token: b.apiKey,
      body: { ...llm, model: 'b-model' },
    });
    expect(bPut.status).toBe(200);

    const aList = await t.request({ method: 'GET', url: '/v1/integrations', token: a.apiKey });
    expect(aList.body.integrations).toHaveLength(1);
    expect(aList.body.integrations[0].model).toBe('m');
    expect(JSON.stringify(aList.body)).not.toContain('sk-secret');

    // Updating without apiKey keeps it; null removes it.
    const keep = await t.request({
      method: 'PUT',
      url: '/v1/integrations/gateway',
      token: a.apiKey,
      body: { ...llm, apiKey: undefined, tier: 'complex' },
    });
    expect(keep.body).toEqual(expect.objectContaining({ hasApiKey: true, tier: 'complex' }));
    const clear = await t.request({
      method: 'PUT',
      url: '/v1/integrations/gateway',
      token: a.apiKey,
      body: { ...llm, apiKey: null },
    });
    expect(clear.body.hasApiKey).toBe(false);

    expect(
      (await t.request({ method: 'DELETE', url: '/v1/integrations/gateway', token: a.apiKey })).status,
    ).toBe(204);
    expect(
      (await t.request({ method: 'GET', url: '/v1/integrations', token: a.apiKey })).body.integrations,
    ).toEqual([]);
    expect(
      (await t.request({ method: 'GET', url: '/v1/integrations', token: b.apiKey })).body.integrations,
    ).toHaveLength(1);
  });

  it('encrypts integration secrets at rest', async () => {
    const a = await t.createTenant();
    await t.request({ method: 'PUT', url: '/v1/integrations/enc', token: a.apiKey, body: llm });
    const db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    try {
      const {
        rows: [row],
      } = await db.query<{ api_key_encrypted: string | null }>(
        'SELECT api_key_encrypted FROM integrations WHERE tenant_id = $1 AND name = $2',
        [a.id, 'enc'],
      );
      expect(row.api_key_encrypted).toBeTruthy();
      expect(row.api_key_encrypted).not.toContain('sk-secret');
      expect(Buffer.from(row.api_key_encrypted!, 'base64').toString('utf8')).not.toContain('sk-secret');
    } finally {
      await db.end();
    }
  });

  it('revoked keys get 401 while other keys of the tenant keep working', async () => {
    const a = await t.createTenant();
    const second = await t.request({
      method: 'POST',
      url: `/v1/admin/tenants/${a.id}/api-keys`,
      token: t.adminToken,
    });
    expect(second.status).toBe(201);
    expect(
      (await t.request({ method: 'GET', url: '/v1/integrations', token: second.body.apiKey })).status,
    ).toBe(200);
    const revoke = await t.request({
      method: 'DELETE',
      url: `/v1/admin/api-keys/${second.body.id}`,
      token: t.adminToken,
    });
    expect(revoke.status).toBe(204);
    const after = await t.request({ method: 'GET', url: '/v1/integrations', token: second.body.apiKey });
    expect(after.status).toBe(401);
    expectErrorShape(after.body, 'UNAUTHORIZED');
    expect((await t.request({ method: 'GET', url: '/v1/integrations', token: a.apiKey })).status).toBe(200);
    const unknown = await t.request({
      method: 'DELETE',
      url: '/v1/admin/api-keys/00000000-0000-4000-8000-000000000000',
      token: t.adminToken,
    });
    expect(unknown.status).toBe(404);
  });

  it('serves the OpenAPI document generated from the DTOs', async () => {
    const res = await t.request({ method: 'GET', url: '/docs-json' });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/v1/admin/tenants', '/v1/integrations/{name}', '/health/ready']),
    );
    expect(res.body.components.schemas.PutIntegrationDto.properties).toHaveProperty('baseUrl');
  });
});
