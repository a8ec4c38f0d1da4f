import { connect } from 'node:net';
import { startLoopbackApp, type LoopbackApp } from './support/loopback-app';

/**
 * Clients that hang up while their request is still being admitted (rate limit and tenant checks) must not keep
 * a fair-share slot: with one slot per tenant, a single leaked slot would make every later question of that
 * tenant wait forever.
 */
describe('fair-share slots of clients that hang up early', () => {
  let t: LoopbackApp;
  let apiKey: string;

  beforeAll(async () => {
    t = await startLoopbackApp({
      CONCURRENCY_PER_TENANT: '1',
      CONCURRENCY_TOTAL: '1',
      RATE_LIMIT_QUERY: '100000',
    });
    apiKey = (await t.createTenant('hang-up')).apiKey;
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  const hangUp = (delayMs: number) =>
    new Promise<void>((resolve) => {
      const { port } = new URL(t.baseUrl);
      const body = JSON.stringify({ question: 'how many bugs are there' });
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(
          `POST /v1/ai/query HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${apiKey}\r\n` +
            `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        );
        setTimeout(() => socket.destroy(), delayMs);
      });
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    });

  it('answers the next question after 200 clients left at every moment of admission', async () => {
    for (let i = 0; i < 200; i++) await hangUp(i % 4 === 0 ? 0 : Math.random() * 3);
    const res = await fetch(`${t.baseUrl}/v1/ai/query`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ question: 'how many bugs are there' }),
      signal: AbortSignal.timeout(20_000),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { rows: unknown[] }).rows).toHaveLength(1);
  }, 60_000);
});
