import { ErrorCode } from '@app/common';
import { loopbackEgress } from '@app/egress/testing/loopback-egress';
import { startOpenAiTestServer, type OpenAiTestServer } from '@app/common/testing/openai-test-server';
import { createServer } from 'node:net';
import { EmbeddingException } from '../embedding.exception';
import { embeddingProviderContract } from '../testing/embedding-provider.contract';
import {
  GatewayEmbeddingAdapter,
  type EmbeddingUsage,
  type GatewayEmbeddingOptions,
} from './gateway.adapter';

/** Fast retries so failure paths finish in milliseconds. */
function adapter(
  server: OpenAiTestServer,
  options: Partial<GatewayEmbeddingOptions> = {},
): GatewayEmbeddingAdapter {
  return new GatewayEmbeddingAdapter({
    baseUrl: server.url,
    model: 'text-embedding-test',
    timeoutMs: 2000,
    retries: 2,
    backoffInitialMs: 5,
    backoffMaxMs: 20,
    egress: loopbackEgress(),
    ...options,
  });
}

async function failure(promise: Promise<unknown>): Promise<EmbeddingException> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(EmbeddingException);
  return error as EmbeddingException;
}

describe('GatewayEmbeddingAdapter', () => {
  describe('contract', () => {
    embeddingProviderContract(async () => {
      const server = await startOpenAiTestServer();
      return { provider: adapter(server), teardown: () => server.close() };
    });
  });

  let server: OpenAiTestServer;

  beforeEach(async () => {
    server = await startOpenAiTestServer();
  });

  afterEach(async () => {
    await server.close();
  });

  it('posts the OpenAI request with the key and returns unit vectors in input order, learning the dimensions', async () => {
    const gateway = adapter(server, { apiKey: 'sk-test' });

    await gateway.init();
    const vectors = await gateway.embed(['first text', 'second text']);

    expect(gateway.model).toBe('gateway:text-embedding-test');
    expect(gateway.dimensions).toBe(8);
    expect(vectors).toHaveLength(2);
    const last = server.requests.at(-1)!;
    expect(last.path).toBe('/v1/embeddings');
    expect(last.headers.authorization).toBe('Bearer sk-test');
    expect(last.body).toMatchObject({ model: 'text-embedding-test', input: ['first text', 'second text'] });
  });

  it('puts vectors back in input order when the gateway answers out of order', async () => {
    await server.close();
    server = await startOpenAiTestServer({ embed: (texts) => texts.map((t) => [t.length, 1]) });
    const reversing = adapter(server);
    const original = global.fetch;
    jest.spyOn(global, 'fetch').mockImplementation(async (...args) => {
      const res = await original(...args);
      const body = (await res.json()) as { data: unknown[] };
      return new Response(JSON.stringify({ ...body, data: [...body.data].reverse() }), { status: 200 });
    });
    try {
      const [short, long] = await reversing.embed(['ab', 'abcdefgh']);
      expect(short[0] / short[1]).toBeCloseTo(2, 5);
      expect(long[0] / long[1]).toBeCloseTo(8, 5);
    } finally {
      jest.restoreAllMocks();
    }
  });

  it('accounts tokens and cost per call and in running totals', async () => {
    const usage: EmbeddingUsage[] = [];
    const gateway = adapter(server, { costPer1k: 0.02, dimensions: 8, onUsage: (u) => usage.push(u) });

    await gateway.embed(['x'.repeat(400), 'y'.repeat(400)]);

    // The test server reports ceil(chars / 4) prompt tokens per text.
    expect(usage).toEqual([
      { model: 'gateway:text-embedding-test', texts: 2, inputTokens: 200, costUsd: 0.004 },
    ]);
    expect(gateway.totals).toMatchObject({ requests: 1, failedRequests: 0, texts: 2, inputTokens: 200 });
    expect(gateway.totals.costUsd).toBeCloseTo(0.004, 10);
  });

  it('retries 429 and 5xx answers with backoff and succeeds when the gateway recovers', async () => {
    server.setScript([{ kind: 'status', status: 429 }, { kind: 'status', status: 503 }, { kind: 'ok' }]);
    const gateway = adapter(server);

    const vectors = await gateway.embed(['eventually']);

    expect(vectors).toHaveLength(1);
    expect(server.requests).toHaveLength(3);
    expect(gateway.totals).toMatchObject({ requests: 3, failedRequests: 2 });
  });

  it('gives up after its retries with DEPENDENCY_UNAVAILABLE when the gateway keeps failing', async () => {
    server.setScript([], { kind: 'status', status: 502 });
    const gateway = adapter(server, { retries: 3 });

    const error = await failure(gateway.embed(['never']));

    expect(error.code).toBe(ErrorCode.DEPENDENCY_UNAVAILABLE);
    expect(error.message).toContain('HTTP 502');
    expect(error.details).toMatchObject({ model: 'gateway:text-embedding-test', status: 502 });
    expect(server.requests).toHaveLength(4);
  });

  it('does not retry a request the gateway refuses (400), and still reports DEPENDENCY_UNAVAILABLE', async () => {
    server.setScript([], { kind: 'status', status: 400 });
    const gateway = adapter(server);

    const error = await failure(gateway.embed(['bad']));

    expect(error.code).toBe(ErrorCode.DEPENDENCY_UNAVAILABLE);
    expect(server.requests).toHaveLength(1);
  });

  it('times out a hanging gateway per attempt, retries, then fails', async () => {
    server.setScript([], { kind: 'hang' });
    const gateway = adapter(server, { timeoutMs: 100, retries: 1 });

    const error = await failure(gateway.embed(['slow']));

    expect(error.code).toBe(ErrorCode.DEPENDENCY_UNAVAILABLE);
    expect(error.message).toContain('timed out');
    expect(server.requests).toHaveLength(2);
  });

  it('retries an unreadable answer', async () => {
    server.setScript([{ kind: 'malformed' }, { kind: 'ok' }]);
    const gateway = adapter(server);

    await expect(gateway.embed(['garbled once'])).resolves.toHaveLength(1);
    expect(server.requests).toHaveLength(2);
  });

  it('fails with DEPENDENCY_UNAVAILABLE when nothing listens at the URL', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const gateway = new GatewayEmbeddingAdapter({
      baseUrl: `http://127.0.0.1:${port}/v1`,
      model: 'm',
      retries: 1,
      backoffInitialMs: 5,
      egress: loopbackEgress(),
    });

    const error = await failure(gateway.embed(['anyone?']));

    expect(error.code).toBe(ErrorCode.DEPENDENCY_UNAVAILABLE);
    expect(error.message).toContain('network error');
  });

  it('rejects vectors whose length differs from the configured dimensions, without retrying', async () => {
    const gateway = adapter(server, { dimensions: 16 });

    const error = await failure(gateway.embed(['eight dims come back']));

    expect(error.code).toBe(ErrorCode.DEPENDENCY_UNAVAILABLE);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0].body).toMatchObject({ dimensions: 16 });
  });
});
