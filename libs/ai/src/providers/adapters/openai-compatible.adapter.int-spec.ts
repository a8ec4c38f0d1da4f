import { ErrorCode } from '@app/common';
import { EgressGuard, type EgressSettings } from '@app/egress';
import { loopbackEgress } from '@app/egress/testing/loopback-egress';
import { startOpenAiTestServer, type OpenAiTestServer } from '@app/common/testing/openai-test-server';
import { LlmException } from '../llm.exception';
import { OpenAiCompatibleProvider, type OpenAiCompatibleSettings } from './openai-compatible.adapter';

const messages = [
  { role: 'system' as const, content: 'You write PostgreSQL.' },
  { role: 'user' as const, content: 'How many bugs were resolved last week?' },
];

describe('OpenAiCompatibleProvider', () => {
  let server: OpenAiTestServer;

  const provider = (overrides: Partial<OpenAiCompatibleSettings> = {}) =>
    new OpenAiCompatibleProvider({
      name: 'gateway',
      model: 'gpt-test',
      tier: 'any',
      inputCostPer1k: 0,
      outputCostPer1k: 0,
      priority: 0,
      timeoutMs: 5000,
      baseUrl: server.url,
      apiKey: 'sk-secret',
      maxRetries: 2,
      retryBaseMs: 5,
      egress: loopbackEgress(),
      ...overrides,
    });

  const failure = async (promise: Promise<unknown>): Promise<LlmException> => {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LlmException);
    return err as LlmException;
  };

  beforeEach(async () => {
    server = await startOpenAiTestServer({ chat: () => '{"sql": "SELECT count(*) FROM work_items"}' });
  });

  afterEach(() => server.close());

  it('returns the answer with the token usage the server reported', async () => {
    const result = await provider().complete({ messages, json: true, maxTokens: 300, temperature: 0 });

    expect(result.content).toBe('{"sql": "SELECT count(*) FROM work_items"}');
    const prompt = messages.map((m) => m.content).join('\n');
    expect(result.inputTokens).toBe(Math.ceil(prompt.length / 4));
    expect(result.outputTokens).toBe(Math.ceil(result.content.length / 4));
    expect(result.latencyMs).toBeGreaterThan(0);

    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request.path).toBe('/v1/chat/completions');
    expect(request.headers.authorization).toBe('Bearer sk-secret');
    expect(request.body).toMatchObject({
      model: 'gpt-test',
      messages,
      max_tokens: 300,
      temperature: 0,
      response_format: { type: 'json_object' },
    });
  });

  it('sends no key and no JSON mode when none is configured or asked for', async () => {
    await provider({ apiKey: undefined }).complete({ messages });

    expect(server.requests[0].headers.authorization).toBeUndefined();
    expect(server.requests[0].body).not.toHaveProperty('response_format');
  });

  it('retries 429 and 5xx answers, then succeeds', async () => {
    server.setScript([
      { kind: 'status', status: 429 },
      { kind: 'status', status: 503 },
    ]);

    const result = await provider().complete({ messages });

    expect(result.content).toContain('SELECT count(*)');
    expect(server.requests).toHaveLength(3);
  });

  it('gives up with DEPENDENCY_UNAVAILABLE when every attempt fails', async () => {
    server.setScript([], { kind: 'status', status: 500 });

    const err = await failure(provider({ maxRetries: 2 }).complete({ messages }));

    expect(err.code).toBe(ErrorCode.DEPENDENCY_UNAVAILABLE);
    expect(err.message).toMatch(/gateway.*3 attempt.*HTTP 500/);
    expect(server.requests).toHaveLength(3);
  });

  it('does not retry a request the server rejects as invalid', async () => {
    server.setScript([{ kind: 'status', status: 401 }]);

    const err = await failure(provider().complete({ messages }));

    expect(err.message).toMatch(/HTTP 401/);
    expect(server.requests).toHaveLength(1);
  });

  it('retries a malformed answer once', async () => {
    server.setScript([{ kind: 'malformed' }]);

    const result = await provider().complete({ messages });

    expect(result.content).toContain('SELECT');
    expect(server.requests).toHaveLength(2);
  });

  it('reports malformed answers clearly when they persist', async () => {
    server.setScript([], { kind: 'malformed' });

    const err = await failure(provider({ maxRetries: 5 }).complete({ messages }));

    expect(err.code).toBe(ErrorCode.DEPENDENCY_UNAVAILABLE);
    expect(err.message).toMatch(/malformed response: body is not valid JSON/);
    expect(server.requests).toHaveLength(2);
  });

  it('treats an answer without choices as malformed', async () => {
    server.setScript([], { kind: 'status', status: 200, body: { id: 'x', choices: [] } });

    const err = await failure(provider().complete({ messages }));

    expect(err.message).toMatch(/no choices\[0\]\.message\.content/);
  });

  it('times out a hanging server within the configured time', async () => {
    server.setScript([], { kind: 'hang' });
    const started = Date.now();

    const err = await failure(provider({ timeoutMs: 300 }).complete({ messages }));

    expect(err.code).toBe(ErrorCode.DEPENDENCY_UNAVAILABLE);
    expect(err.message).toMatch(/timed out after 300 ms/);
    // Generous bound for a loaded machine; without the timeout this would never settle.
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('never calls a provider whose host resolves to a refused address', async () => {
    const port = new URL(server.url).port;
    const lookup = ((
      _host: string,
      _opts: unknown,
      cb: (e: null, a: { address: string; family: number }[]) => void,
    ) => cb(null, [{ address: '127.0.0.1', family: 4 }])) as unknown as EgressSettings['lookup'];
    const egress = new EgressGuard({ allowedCidrs: [], maxResponseBytes: 1 << 20, timeoutMs: 5000, lookup });

    const err = await failure(
      provider({ baseUrl: `http://llm.internal:${port}/v1`, egress }).complete({ messages }),
    );
    expect(err.message).toMatch(/llm\.internal resolves to 127\.0\.0\.1 \(loopback rule\)/);
    expect(server.requests).toHaveLength(0);
    await egress.onModuleDestroy();
  });

  it('retries a network failure', async () => {
    const url = server.url;
    await server.close();
    const err = await failure(provider({ baseUrl: url, maxRetries: 1 }).complete({ messages }));

    expect(err.message).toMatch(/2 attempt.*network error/);
    server = await startOpenAiTestServer();
  });
});
