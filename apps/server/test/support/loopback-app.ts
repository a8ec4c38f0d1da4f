import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig } from '@app/config';
import { createApp } from '../../src/bootstrap';
import { TestRedisServer } from './redis-server';

export interface LoopbackApp {
  app: NestFastifyApplication;
  /** e.g. http://127.0.0.1:41234 */
  baseUrl: string;
  adminToken: string;
  redis: TestRedisServer;
  /** Creates a tenant over HTTP, as an operator would. */
  createTenant(slug: string): Promise<{ id: string; slug: string; apiKey: string }>;
  /** Closes the app, stops its redis-server and removes its data directory. */
  close(): Promise<void>;
}

/**
 * The whole application (role `all`) listening on a real loopback port, with a private redis-server, a temp
 * DATA_DIR and the embedded vector store; `env` overrides any of it (DATABASE_URL at least, unless the
 * process environment has one). For load over real sockets, where Fastify's inject would hide the HTTP stack.
 */
export async function startLoopbackApp(env: Record<string, string | undefined> = {}): Promise<LoopbackApp> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pulse-loopback-'));
  const redis = await TestRedisServer.start();
  const adminToken = randomBytes(16).toString('hex');
  const cleanup = async () => {
    await redis.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  let app: NestFastifyApplication;
  try {
    const config = new AppConfig({
      ...process.env,
      PROCESS_ROLE: 'all',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      REDIS_URL: redis.url,
      REDIS_PREFIX: `loopback-${randomBytes(4).toString('hex')}`,
      DATA_DIR: dataDir,
      ADMIN_TOKEN: adminToken,
      INTEGRATION_SECRET_KEY: randomBytes(32).toString('hex'),
      VECTOR_STORE: 'embedded',
      ...env,
    });
    app = await createApp(config);
    await app.listen(0, '127.0.0.1');
  } catch (err) {
    await cleanup();
    throw err;
  }
  const { port } = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    app,
    baseUrl,
    adminToken,
    redis,
    async createTenant(slug) {
      const res = await fetch(`${baseUrl}/v1/admin/tenants`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ slug, name: slug }),
      });
      const body = (await res.json()) as { id: string; slug: string; apiKey: string };
      if (res.status !== 201)
        throw new Error(`tenant creation failed: ${res.status} ${JSON.stringify(body)}`);
      return body;
    },
    async close() {
      try {
        await app.close();
      } finally {
        await cleanup();
      }
    },
  };
}
