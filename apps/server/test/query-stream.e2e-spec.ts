import { request as httpRequest, type IncomingMessage } from 'node:http';
import { startOpenAiTestServer, type OpenAiTestServer } from '@app/common/testing/openai-test-server';
import { llmIntegration } from '@app/ai/query/testing/query-test-kit';
import { eventually } from './support/eventually';
import { startQueryTestApp, type QueryTestApp } from './support/query-test-kit';
import { parseSse } from './support/sse';
import { expectErrorShape } from './support/test-app';

describe('POST /v1/ai/query/stream: progress as server-sent events, then the answer', () => {
  let t: QueryTestApp;
  let baseUrl: string;
  let a: { id: string; apiKey: string };
  let b: { id: string; apiKey: string };
  let llm: OpenAiTestServer;

  beforeAll(async () => {
    t = await startQueryTestApp({ LLM_MAX_RETRIES: '0' });
    await t.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(t.app.getHttpServer().address() as { port: number }).port}`;
    a = await t.createTenant();
    b = await t.createTenant();
    await t.seedFixture([a, b], { seed: 7, size: { workItems: 200, pullRequests: 120, deployments: 80 } });
    // The model never answers: the disconnect test needs a call that is still in flight.
    llm = await startOpenAiTestServer({ fallback: { kind: 'hang' } });
    const put = await t.request({
      method: 'PUT',
      url: '/v1/integrations/gateway',
      token: b.apiKey,
      body: llmIntegration({ baseUrl: llm.url, timeoutMs: 20_000 }),
    });
    expect(put.status).toBe(200);
  });

  afterAll(async () => {
    await llm?.close();
    await t?.close();
  });

  const stream = (apiKey: string, body: unknown, signal?: AbortSignal) =>
    fetch(`${baseUrl}/v1/ai/query/stream`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal,
    });

  it('sends a progress event per step as it finishes, then one answer equal to POST /v1/ai/query', async () => {
    const question = 'Open incidents by priority';
    const res = await stream(a.apiKey, { question, options: { noCache: true } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    // The stream bypasses Fastify's reply, not the security headers.
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const events = parseSse(await res.text());

    const kinds = events.map((e) => e.event);
    expect(kinds.at(-1)).toBe('answer');
    expect(kinds.filter((k) => k === 'answer')).toHaveLength(1);
    expect(kinds.slice(0, -1).every((k) => k === 'progress')).toBe(true);
    const steps = events.filter((e) => e.event === 'progress').map((e) => e.data.node);
    expect(steps).toEqual(['entry', 'cacheLookup', 'compile', 'guard', 'execute', 'store']);
    for (const e of events.slice(0, -1)) expect(e.data.ms).toEqual(expect.any(Number));

    const streamed = events.at(-1)!.data;
    const plain = await t.ask(a.apiKey, question, { noCache: true });
    expect(plain.status).toBe(200);
    // Everything but the answer's own id, its new conversation, clock readings and watermark is the same answer.
    const comparable = ({ answerId, conversationId, timings, asOf, ...rest }: Record<string, unknown>) => {
      expect([answerId, conversationId, timings, asOf]).toEqual([
        expect.any(String),
        expect.any(String),
        expect.any(Object),
        expect.any(String),
      ]);
      return rest;
    };
    expect(comparable(streamed)).toEqual(comparable(plain.body));
    expect(Object.keys(streamed).sort()).toEqual(Object.keys(plain.body).sort());
    expect(streamed.rows.length).toBeGreaterThan(0);
  });

  it('a cached answer streams its cache lookup and the same answer', async () => {
    const question = 'Work items by status';
    const first = await t.ask(a.apiKey, question);
    expect(first.status).toBe(200);
    const events = parseSse(await (await stream(a.apiKey, { question })).text());
    expect(events.map((e) => e.event)).toEqual(['progress', 'answer']);
    expect(events[0].data.node).toBe('cacheLookup');
    expect(events[1].data.route).toBe('cached');
    expect(events[1].data.rows).toEqual(first.body.rows);
  });

  it('a refused question ends with one error event in the error shape, saying what was understood', async () => {
    const res = await stream(a.apiKey, { question: 'What fraction of bugs get reopened after a release?' });
    expect(res.status).toBe(200);
    const events = parseSse(await res.text());
    expect(events.at(-1)!.event).toBe('error');
    expect(events.filter((e) => e.event !== 'progress')).toHaveLength(1);
    expectErrorShape(events.at(-1)!.data, 'CANNOT_ANSWER');
    expect(events.at(-1)!.data.error.details).toEqual(
      expect.objectContaining({ unrecognized: expect.arrayContaining(['reopened']) }),
    );
    expect(events.at(-1)!.data.requestId).toBe(res.headers.get('x-request-id'));
  });

  it('bad input and a missing key are plain JSON errors before any stream starts', async () => {
    const cases: [unknown, string | undefined, number][] = [
      [{ question: '   ' }, a.apiKey, 400],
      [{ question: 42 }, a.apiKey, 400],
      [{ question: 'x'.repeat(2001) }, a.apiKey, 400],
      [{ question: 'Open PRs', options: { noCache: 'yes' } }, a.apiKey, 400],
      [{ question: 'Open PRs', tenantId: b.id }, a.apiKey, 400],
      [{ question: 'Open PRs' }, undefined, 401],
      [{ question: 'Open PRs' }, 'pk_wrong', 401],
    ];
    for (const [body, key, status] of cases) {
      const res = await fetch(`${baseUrl}/v1/ai/query/stream`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify(body),
      });
      expect({ body, status: res.status }).toEqual({ body, status });
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expectErrorShape(await res.json());
    }
    const malformed = await fetch(`${baseUrl}/v1/ai/query/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${a.apiKey}` },
      body: '{"question":',
    });
    expect(malformed.status).toBe(400);
    expectErrorShape(await malformed.json(), 'MALFORMED_JSON');
  });

  it('closing the stream cancels the work: the LLM request in flight is aborted', async () => {
    const before = llm.requests.length;
    const body = JSON.stringify({
      question: 'Which reviewers approve pull requests fastest on Fridays?',
      options: { noCache: true },
    });
    // A plain socket, so hanging up is exactly one closed connection.
    const req = httpRequest(`${baseUrl}/v1/ai/query/stream`, {
      method: 'POST',
      agent: false,
      headers: { authorization: `Bearer ${b.apiKey}`, 'content-type': 'application/json' },
    });
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      req.on('response', resolve).on('error', reject).end(body);
    });
    expect(res.statusCode).toBe(200);
    res.resume();
    await eventually(() => Promise.resolve(llm.requests.length > before), {
      what: 'the LLM received the question',
    });
    expect(llm.aborted()).toBe(0);
    req.destroy();
    await eventually(() => Promise.resolve(llm.aborted() === 1), { what: 'the LLM request aborted' });
    expect(llm.requests.length).toBe(before + 1);
  });
});
