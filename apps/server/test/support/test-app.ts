import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig } from '@app/config';
import { createApp } from '../../src/bootstrap';

export interface TestApp {
  app: NestFastifyApplication;
  adminToken: string;
  request(opts: {
    method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
    url: string;
    token?: string;
    body?: unknown;
    payload?: string;
    headers?: Record<string, string>;
  }): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
  createTenant(slug?: string): Promise<{ id: string; slug: string; apiKey: string }>;
  close(): Promise<void>;
}

let counter = 0;

/** Boots the real application (all modules, real PostgreSQL/Redis) in-process; requests go through Fastify's inject. */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const config = new AppConfig({ ...process.env, ...env });
  const app = await createApp(config);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const adminToken = config.auth.adminToken;

  const request: TestApp['request'] = async ({ method, url, token, body, payload, headers }) => {
    const res = await app.inject({
      method,
      url,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined || payload !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      payload: payload ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    let parsed: unknown = res.body;
    try {
      parsed = res.body ? JSON.parse(res.body) : undefined;
    } catch {
      /* non-JSON body (e.g. /metrics) */
    }
    return { status: res.statusCode, body: parsed, headers: res.headers };
  };

  return {
    app,
    adminToken,
    request,
    async createTenant(slug = `t-${process.pid}-${Date.now()}-${++counter}`) {
      const res = await request({
        method: 'POST',
        url: '/v1/admin/tenants',
        token: adminToken,
        body: { slug, name: slug },
      });
      if (res.status !== 201)
        throw new Error(`tenant creation failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body as { id: string; slug: string; apiKey: string };
    },
    close: () => app.close(),
  };
}

/** The documented error shape, for assertions. */
export function expectErrorShape(body: any, code?: string): void {
  expect(body).toEqual({
    error: expect.objectContaining({
      code: code ?? expect.stringMatching(/^[A-Z_]+$/),
      message: expect.any(String),
    }),
    requestId: expect.any(String),
  });
}
