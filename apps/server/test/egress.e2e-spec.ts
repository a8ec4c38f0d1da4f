import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expectErrorShape, startTestApp, type TestApp } from './support/test-app';

/** Base URLs from the SSRF report (issue 19), plus the other notations of the same addresses. */
const REFUSED: [string, string][] = [
  ['http://169.254.169.254/latest/meta-data', 'metadata'],
  ['http://192.168.0.10/v1', 'private'],
  ['http://172.16.5.4/v1', 'private'],
  ['http://0.0.0.0:6379/v1', 'unspecified'],
  ['http://0xA9FEA9FE/v1', 'metadata'],
  ['http://[::ffff:169.254.169.254]/v1', 'metadata'],
  ['http://[::ffff:a9fe:a9fe]/v1', 'metadata'],
  ['http://[fd00:ec2::254]/v1', 'metadata'],
  ['http://[fe80::1]/v1', 'link-local'],
  ['http://100.100.100.200/v1', 'metadata'],
  ['http://100.64.1.1/v1', 'carrier-grade-nat'],
  ['http://[fd12::1]:8080/v1', 'unique-local'],
  ['http://[::1]:11434/v1', 'loopback'],
  ['http://[::a9fe:a9fe]/v1', 'ipv4-compatible'],
  ['http://224.0.0.1/v1', 'multicast'],
  ['http://255.255.255.255/v1', 'broadcast'],
  ['http://[fe80::1%25eth0]/v1', 'invalid-url'],
  // Forms the URL validator itself rejects; still a 400 and never stored.
  ['http://2852039166/v1', ''],
  ['http://0251.0376.0251.0376/v1', ''],
  ['http://169.254.43518/v1', ''],
  ['http://10.1/v1', ''],
];

describe('Egress: integration URLs are checked when saved', () => {
  let t: TestApp;
  let listener: Server;
  let connections = 0;

  beforeAll(async () => {
    // Something listening on loopback: a refused save must never connect to it.
    listener = createServer((_req, res) => res.end());
    listener.on('connection', () => connections++);
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    // 10.0.0.0/8 stands for an operator's in-cluster range; loopback stays allowed for the suite's fake servers.
    t = await startTestApp({ EGRESS_ALLOWED_CIDRS: '10.0.0.0/8' });
  });

  afterAll(async () => {
    await t?.close();
    await new Promise((resolve) => listener.close(resolve));
  });

  const put = (apiKey: string, name: string, baseUrl: string) =>
    t.request({
      method: 'PUT',
      url: `/v1/integrations/${name}`,
      token: apiKey,
      body: { kind: 'llm', provider: 'openai-compatible', model: 'gpt-x', baseUrl },
    });

  it('refuses every private, metadata and special address in any notation with a 400 naming the rule', async () => {
    const tenant = await t.createTenant();
    const port = (listener.address() as AddressInfo).port;
    for (const [i, [url, rule]] of [...REFUSED, [`http://127.0.0.1:${port}/v1`, 'loopback']].entries()) {
      const res = await put(tenant.apiKey, `p${i}`, url);
      expect({ url, status: res.status }).toEqual({ url, status: 400 });
      expectErrorShape(res.body, 'VALIDATION_FAILED');
      if (rule)
        expect({ url, message: res.body.error.message }).toEqual({
          url,
          message: expect.stringContaining(`"${rule}" rule`),
        });
    }
    const list = await t.request({ method: 'GET', url: '/v1/integrations', token: tenant.apiKey });
    expect(list.body.integrations).toEqual([]);
    expect(connections).toBe(0);
  });

  it('accepts a range the operator allowed, and public addresses and host names', async () => {
    const tenant = await t.createTenant();
    for (const url of [
      'http://10.1.2.3:8080/v1',
      'http://[::ffff:10.1.2.4]/v1',
      'https://203.0.113.0.example.com/v1',
      'http://8.8.8.8/v1',
    ]) {
      const res = await put(tenant.apiKey, 'gw', url);
      expect({ url, status: res.status }).toEqual({ url, status: 200 });
    }
  });
});
