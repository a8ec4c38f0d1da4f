import { Writable } from 'node:stream';
import { request as httpRequest } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { admitCaller } from '@app/tenancy';
import { registerRequestLog } from './logging';

interface Line {
  level: number;
  msg: string;
  req: { id: string; method: string; url: string };
  res?: { statusCode: number };
  responseTime: number;
  tenantId?: string;
  route?: string;
}

/** A real Fastify instance with the request log, as bootstrap wires it: after a first hook that may refuse. */
async function server(lines: Line[]): Promise<FastifyInstance> {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const text of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(text) as Line);
      done();
    },
  });
  const app = Fastify({ genReqId: (req) => String(req.headers['x-request-id'] ?? 'no-id') });
  app.addHook('onRequest', async (request, reply) => {
    if (request.headers['x-refuse']) await reply.code(429).send({ error: 'slow down' });
  });
  registerRequestLog(app, pino({ level: 'info' }, sink));
  app.addHook('preHandler', (request, _reply, done) => {
    const tenant = request.headers['x-tenant'];
    if (typeof tenant === 'string') admitCaller(request, { kind: 'tenant', tenantId: tenant });
    done();
  });
  app.get('/health/live', () => Promise.resolve({ status: 'ok' }));
  app.get('/v1/things/:id', () => Promise.resolve({ ok: true }));
  app.get('/v1/broken', () => Promise.reject(new Error('boom')));
  app.get('/v1/slow', () => new Promise(() => undefined));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app;
}

describe('request log', () => {
  const lines: Line[] = [];
  let app: FastifyInstance;
  let base: string;
  beforeAll(async () => {
    app = await server(lines);
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  });
  afterAll(() => app.close());
  const get = (path: string, headers: Record<string, string>) => fetch(`${base}${path}`, { headers });
  const lineOf = (id: string) => lines.filter((l) => l.req.id === id);

  it('writes one line per request: id, method, path without its query, status, route and tenant', async () => {
    expect(
      (await get('/v1/things/42?secret=s3cr3t', { 'x-request-id': 'r1', 'x-tenant': 't-a' })).status,
    ).toBe(200);
    expect((await get('/v1/nowhere', { 'x-request-id': 'r2' })).status).toBe(404);
    await new Promise((r) => setImmediate(r));
    const [ok] = lineOf('r1');
    expect(lineOf('r1')).toHaveLength(1);
    expect(ok).toMatchObject({
      level: 30,
      msg: 'request completed',
      req: { id: 'r1', method: 'GET', url: '/v1/things/42' },
      res: { statusCode: 200 },
      tenantId: 't-a',
      route: '/v1/things/:id',
    });
    expect(ok.responseTime).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(lines)).not.toContain('s3cr3t');
    // Without an admitted caller no tenant is named.
    expect(lineOf('r2')).toEqual([expect.objectContaining({ res: { statusCode: 404 } })]);
    expect(lineOf('r2')[0].tenantId).toBeUndefined();
  });

  it('logs a server error at error level', async () => {
    expect((await get('/v1/broken', { 'x-request-id': 'r3' })).status).toBe(500);
    await new Promise((r) => setImmediate(r));
    expect(lineOf('r3')).toEqual([
      expect.objectContaining({ level: 50, msg: 'request errored', res: { statusCode: 500 } }),
    ]);
  });

  it('writes nothing for probes, nor for a request refused by the first hook', async () => {
    expect((await get('/health/live', { 'x-request-id': 'r4' })).status).toBe(200);
    expect((await get('/v1/things/1', { 'x-request-id': 'r5', 'x-refuse': '1' })).status).toBe(429);
    expect((await get('/v1/things/1', { 'x-request-id': 'r6' })).status).toBe(200);
    await new Promise((r) => setImmediate(r));
    expect(lineOf('r6')).toHaveLength(1);
    expect(lineOf('r4')).toEqual([]);
    expect(lineOf('r5')).toEqual([]);
  });

  it('says so when the client went away before its answer', async () => {
    const req = httpRequest(`${base}/v1/slow`, { headers: { 'x-request-id': 'r7', 'x-tenant': 't-b' } });
    req.on('error', () => undefined);
    req.end();
    await new Promise((r) => setTimeout(r, 100));
    req.destroy();
    for (let i = 0; i < 50 && lineOf('r7').length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(lineOf('r7')).toEqual([
      expect.objectContaining({ msg: 'request aborted', req: { id: 'r7', method: 'GET', url: '/v1/slow' } }),
    ]);
    expect(lineOf('r7')[0].res).toBeUndefined();
  });
});
