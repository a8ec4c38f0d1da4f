import dns from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EgressGuard, type EgressSettings } from './egress-guard';
import { EgressException } from './egress.exception';

/** A resolver stub: names map to fixed addresses, so no test sends traffic to a private range. */
function stubLookup(table: Record<string, string[]>): typeof dns.lookup {
  const lookup = (hostname: string, _options: unknown, callback: (...args: unknown[]) => void) => {
    const addresses = table[hostname];
    if (!addresses) {
      callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }));
      return;
    }
    callback(
      null,
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  };
  return lookup as unknown as typeof dns.lookup;
}

interface Local {
  url: string;
  hits: string[];
  server: Server;
}

async function local(
  handler: (path: string, res: import('node:http').ServerResponse) => void,
): Promise<Local> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    handler(req.url ?? '', res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, server };
}

describe('EgressGuard', () => {
  const guards: EgressGuard[] = [];
  const servers: Server[] = [];
  const guard = (settings: Partial<EgressSettings> = {}) => {
    const g = new EgressGuard({
      allowedCidrs: [],
      maxResponseBytes: 1024 * 1024,
      timeoutMs: 10_000,
      ...settings,
    });
    guards.push(g);
    return g;
  };
  let ok: Local;

  beforeAll(async () => {
    ok = await local((_path, res) => res.end('{"ok":true}'));
    servers.push(ok.server);
  });
  afterAll(async () => {
    await Promise.all(guards.map((g) => g.onModuleDestroy()));
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  const port = () => new URL(ok.url).port;
  /** The failure's message and its cause's (undici may wrap the connector's error). */
  const errorOf = (p: Promise<unknown>) =>
    p.then(
      () => 'no error',
      (e: unknown) =>
        e instanceof Error
          ? `${e.message} ${e.cause instanceof Error ? e.cause.message : ''}`
          : 'not an Error',
    );

  it('refuses a host name that resolves to a refused address when connecting, without a connection', async () => {
    const before = ok.hits.length;
    const g = guard({
      lookup: stubLookup({ 'model.internal': ['127.0.0.1'], 'meta.example': ['169.254.169.254'] }),
    });

    const loopback = await errorOf(g.fetch(`http://model.internal:${port()}/v1`));
    expect(loopback).toMatch(/model\.internal resolves to 127\.0\.0\.1 \(loopback rule\)/);
    const metadata = await errorOf(g.fetch(`http://meta.example:${port()}/latest`));
    expect(metadata).toMatch(/metadata rule/);
    expect(ok.hits.length).toBe(before);
  });

  it('refuses when any one of the resolved addresses is refused (a rebinding answer mixes them)', async () => {
    const g = guard({ lookup: stubLookup({ 'mixed.example': ['8.8.8.8', '10.0.0.5'] }) });
    const err = await errorOf(g.fetch('http://mixed.example/v1'));
    expect(err).toMatch(/10\.0\.0\.5 \(private rule\)/);
  });

  it('connects once the range is in the allowed list', async () => {
    const g = guard({
      allowedCidrs: ['127.0.0.0/8'],
      lookup: stubLookup({ 'model.internal': ['127.0.0.1'] }),
    });
    const res = await g.fetch(`http://model.internal:${port()}/v1/models`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    expect(ok.hits).toContain('/v1/models');
  });

  it('refuses address literals before connecting, and through the dispatcher used directly', async () => {
    const before = ok.hits.length;
    const g = guard();
    await expect(g.fetch(`${ok.url}/v1`)).rejects.toThrow(EgressException);
    await expect(g.fetch('http://0xA9FEA9FE/latest/meta-data')).rejects.toThrow(/"metadata" rule/);
    const { request } = await import('undici');
    const direct = await errorOf(request(`${ok.url}/v1`, { dispatcher: g.dispatcher }));
    expect(direct).toMatch(/loopback rule/);
    expect(ok.hits.length).toBe(before);
  });

  it('does not follow a redirect, to a refused address or anywhere else', async () => {
    const target = await local((_p, res) => res.end('reached'));
    servers.push(target.server);
    const redirects = await local((path, res) => {
      res.writeHead(302, {
        location: path === '/meta' ? 'http://169.254.169.254/latest' : `${target.url}/x`,
      });
      res.end();
    });
    servers.push(redirects.server);
    const g = guard({ allowedCidrs: ['127.0.0.0/8'] });

    const toMeta = await g.fetch(`${redirects.url}/meta`, { method: 'POST', body: '{}' });
    expect(toMeta.status).toBe(302);
    const toOther = await g.fetch(`${redirects.url}/other`);
    expect(toOther.status).toBe(302);
    expect(target.hits).toEqual([]);
  });

  it('bounds response size and time', async () => {
    const big = await local((_p, res) => res.end('x'.repeat(64 * 1024)));
    const slow = await local(() => undefined);
    servers.push(big.server, slow.server);
    const g = guard({ allowedCidrs: ['127.0.0.0/8'], maxResponseBytes: 16 * 1024, timeoutMs: 300 });

    await expect(g.fetch(big.url)).rejects.toThrow(/exceeds 16384 bytes/);
    const started = performance.now();
    await expect(g.fetch(slow.url)).rejects.toThrow();
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
