import { ErrorCode } from '@app/common';
import { startOpenAiTestServer, type OpenAiTestServer } from '@app/common/testing/openai-test-server';
import { LlmException } from './llm.exception';
import type { LlmProvider, LlmRequest } from './llm-provider.port';
import { bootProviders, type ProvidersKit } from './testing/providers-test-kit';

const request: LlmRequest = { messages: [{ role: 'user', content: 'How many open incidents by priority?' }] };
const ask = (llm: LlmProvider) => llm.complete(request);

async function rejection(promise: Promise<unknown>): Promise<LlmException> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LlmException);
  return err as LlmException;
}

describe('LlmRouterService', () => {
  const servers: OpenAiTestServer[] = [];
  const serve = async (answer: string) => {
    const server = await startOpenAiTestServer({ chat: () => answer });
    servers.push(server);
    return server;
  };
  let kit: ProvidersKit;

  beforeAll(async () => {
    kit = await bootProviders({
      LLM_MAX_RETRIES: '0',
      LLM_BREAKER_FAILURES: '3',
      LLM_BREAKER_HALF_OPEN_MS: '1500',
    });
  });

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  afterAll(() => kit.close());

  it('sends simple work to the cheapest capable provider and complex work to the preferred strong one', async () => {
    const [local, mid, strong, premium] = await Promise.all([
      serve('local'),
      serve('mid'),
      serve('strong'),
      serve('premium'),
    ]);
    const tenant = await kit.createTenant();
    await kit.addLlm(tenant, 'local', { baseUrl: local.url, tier: 'simple', priority: 5 });
    await kit.addLlm(tenant, 'mid', {
      baseUrl: mid.url,
      tier: 'any',
      inputCostPer1k: 0.5,
      outputCostPer1k: 1.5,
      priority: 1,
    });
    await kit.addLlm(tenant, 'strong', {
      baseUrl: strong.url,
      tier: 'complex',
      inputCostPer1k: 3,
      outputCostPer1k: 15,
    });
    await kit.addLlm(tenant, 'premium', {
      baseUrl: premium.url,
      tier: 'complex',
      inputCostPer1k: 10,
      outputCostPer1k: 30,
    });

    const simple = await kit.router.route(tenant, 'simple', ask);
    const complex = await kit.router.route(tenant, 'complex', ask);

    expect(simple).toMatchObject({ provider: 'local', model: 'local-model', value: { content: 'local' } });
    expect(complex).toMatchObject({
      provider: 'strong',
      model: 'strong-model',
      value: { content: 'strong' },
    });
    expect([local, mid, strong, premium].map((s) => s.requests.length)).toEqual([1, 0, 1, 0]);
    expect(strong.requests[0].body).toMatchObject({ model: 'strong-model' });
  });

  it('falls back to the next provider when the first fails, and records both calls', async () => {
    const [primary, backup] = await Promise.all([serve('primary'), serve('backup')]);
    primary.setScript([], { kind: 'status', status: 500 });
    const tenant = await kit.createTenant();
    await kit.addLlm(tenant, 'primary', { baseUrl: primary.url, priority: 0 });
    await kit.addLlm(tenant, 'backup', { baseUrl: backup.url, priority: 1 });

    const result = await kit.router.route(tenant, 'complex', ask, { operation: 'sql' });

    expect(result.provider).toBe('backup');
    expect(result.value.content).toBe('backup');
    expect(result.attempts).toEqual([
      expect.objectContaining({ provider: 'primary', outcome: 'error' }),
      expect.objectContaining({ provider: 'backup', outcome: 'ok' }),
    ]);
    const rows = await kit.ledgerRows(tenant);
    expect(rows.map((r) => [r.provider, r.operation, r.outcome])).toEqual([
      ['primary', 'sql', 'error'],
      ['backup', 'sql', 'ok'],
    ]);
  });

  it('opens the circuit after repeated failures and then skips the provider without calling it', async () => {
    const [flaky, steady] = await Promise.all([serve('flaky'), serve('steady')]);
    flaky.setScript([], { kind: 'status', status: 502 });
    const tenant = await kit.createTenant();
    await kit.addLlm(tenant, 'flaky', { baseUrl: flaky.url, priority: 0 });
    await kit.addLlm(tenant, 'steady', { baseUrl: steady.url, priority: 1 });

    for (let i = 0; i < 3; i++) await kit.router.route(tenant, 'complex', ask);
    expect(flaky.requests).toHaveLength(3);

    const skipped = await kit.router.route(tenant, 'complex', ask);
    await kit.router.route(tenant, 'complex', ask);

    expect(flaky.requests).toHaveLength(3);
    expect(steady.requests).toHaveLength(5);
    expect(skipped.provider).toBe('steady');
    expect(skipped.attempts[0]).toMatchObject({ provider: 'flaky', outcome: 'circuit_open' });

    // Another tenant using the same gateway has its own circuit.
    const other = await kit.createTenant();
    await kit.addLlm(other, 'flaky', { baseUrl: flaky.url });
    await rejection(kit.router.route(other, 'complex', ask));
    expect(flaky.requests).toHaveLength(4);

    // Half-open after the configured pause: one probe goes through and, on success, closes the circuit.
    flaky.setScript([], { kind: 'ok' });
    await new Promise((r) => setTimeout(r, 1600));
    const probe = await kit.router.route(tenant, 'complex', ask);
    expect(probe.provider).toBe('flaky');
    expect((await kit.router.route(tenant, 'complex', ask)).provider).toBe('flaky');
  });

  it('counts every call that reached a provider in the metrics, and none for open circuits or budget refusals', async () => {
    const recorded = jest.spyOn(kit.metrics, 'recordProviderCall');
    try {
      const [failing, working] = await Promise.all([serve('failing'), serve('working')]);
      failing.setScript([], { kind: 'status', status: 500 });
      const tenant = await kit.createTenant();
      await kit.addLlm(tenant, 'failing', { baseUrl: failing.url, priority: 0, inputCostPer1k: 1 });
      await kit.addLlm(tenant, 'working', { baseUrl: working.url, priority: 1, inputCostPer1k: 1 });

      for (let i = 0; i < 4; i++)
        await kit.router.route(tenant, 'complex', ask, { operation: 'generate_sql' });
      const calls = (name: string) =>
        recorded.mock.calls.filter(([t, c]) => t === tenant && c.provider === name).map(([, c]) => c);
      // Three failures open the circuit: the fourth route skips "failing" without a call.
      expect(failing.requests).toHaveLength(3);
      expect(calls('failing')).toHaveLength(3);
      expect(calls('failing').every((c) => !c.ok && c.costUsd === 0 && c.operation === 'chat')).toBe(true);
      expect(calls('working')).toHaveLength(4);
      expect(calls('working')[0]).toMatchObject({ ok: true, model: 'working-model', operation: 'chat' });
      expect(calls('working')[0].inputTokens).toBeGreaterThan(0);
      expect(calls('working')[0].costUsd).toBeGreaterThan(0);

      const broke = await kit.createTenant(0);
      await kit.addLlm(broke, 'working', { baseUrl: working.url, inputCostPer1k: 1 });
      expect((await rejection(kit.router.route(broke, 'complex', ask))).code).toBe(ErrorCode.BUDGET_EXCEEDED);
      expect(recorded.mock.calls.filter(([t]) => t === broke)).toEqual([]);
    } finally {
      recorded.mockRestore();
    }
  });

  it('answers DEPENDENCY_UNAVAILABLE naming every provider tried when all are down', async () => {
    const [a, b] = await Promise.all([serve('a'), serve('b')]);
    a.setScript([], { kind: 'status', status: 500 });
    b.setScript([], { kind: 'status', status: 503 });
    const tenant = await kit.createTenant();
    await kit.addLlm(tenant, 'a', { baseUrl: a.url, tier: 'simple' });
    await kit.addLlm(tenant, 'b', { baseUrl: b.url, tier: 'complex' });

    const err = await rejection(kit.router.route(tenant, 'simple', ask));

    expect(err.code).toBe(ErrorCode.DEPENDENCY_UNAVAILABLE);
    expect(err.message).toMatch(/a: error, b: error/);
    expect(err.details).toEqual({
      tried: [
        expect.objectContaining({
          provider: 'a',
          outcome: 'error',
          reason: expect.stringMatching(/HTTP 500/),
        }),
        expect.objectContaining({
          provider: 'b',
          outcome: 'error',
          reason: expect.stringMatching(/HTTP 503/),
        }),
      ],
    });
  });

  it("never uses one tenant's integrations for another", async () => {
    const [serverA, serverB] = await Promise.all([serve('A'), serve('B')]);
    const tenantA = await kit.createTenant();
    const tenantB = await kit.createTenant();
    const tenantC = await kit.createTenant();
    await kit.addLlm(tenantA, 'gateway', { baseUrl: serverA.url, apiKey: 'key-a' });
    await kit.addLlm(tenantB, 'gateway', { baseUrl: serverB.url, apiKey: 'key-b' });

    expect((await kit.router.route(tenantA, 'complex', ask)).value.content).toBe('A');
    expect((await kit.router.route(tenantB, 'simple', ask)).value.content).toBe('B');
    expect(serverA.requests.map((r) => r.headers.authorization)).toEqual(['Bearer key-a']);
    expect(serverB.requests.map((r) => r.headers.authorization)).toEqual(['Bearer key-b']);

    expect(await kit.router.hasProvider(tenantC)).toBe(false);
    const err = await rejection(kit.router.route(tenantC, 'simple', ask));
    expect(err.code).toBe(ErrorCode.DEPENDENCY_UNAVAILABLE);
    expect(serverA.requests.length + serverB.requests.length).toBe(2);
  });

  it('ignores disabled integrations and picks up changes at once', async () => {
    const [old, fresh] = await Promise.all([serve('old'), serve('fresh')]);
    const tenant = await kit.createTenant();
    await kit.addLlm(tenant, 'gateway', { baseUrl: old.url });
    await kit.addLlm(tenant, 'spare', { baseUrl: fresh.url, enabled: false });
    expect((await kit.router.route(tenant, 'complex', ask)).provider).toBe('gateway');

    await kit.addLlm(tenant, 'gateway', { baseUrl: old.url, enabled: false });
    await kit.addLlm(tenant, 'spare', { baseUrl: fresh.url, enabled: true });

    expect((await kit.router.route(tenant, 'complex', ask)).provider).toBe('spare');
    expect(old.requests).toHaveLength(1);
  });

  it("rethrows the caller's own error without trying another provider", async () => {
    const [first, second] = await Promise.all([serve('not json'), serve('{}')]);
    const tenant = await kit.createTenant();
    await kit.addLlm(tenant, 'first', { baseUrl: first.url, priority: 0 });
    await kit.addLlm(tenant, 'second', { baseUrl: second.url, priority: 1 });

    const parse = async (llm: LlmProvider) => JSON.parse((await llm.complete(request)).content) as unknown;

    await expect(kit.router.route(tenant, 'complex', parse)).rejects.toThrow(SyntaxError);
    expect(second.requests).toHaveLength(0);
  });

  describe('with an env-level default provider', () => {
    let withDefault: ProvidersKit;
    let gateway: OpenAiTestServer;

    beforeAll(async () => {
      gateway = await startOpenAiTestServer({ chat: () => 'from default' });
      withDefault = await bootProviders({
        LLM_BASE_URL: gateway.url,
        LLM_MODEL: 'env-model',
        LLM_API_KEY: 'env-key',
      });
    });

    afterAll(async () => {
      await withDefault.close();
      await gateway.close();
    });

    it('serves tenants without integrations, and steps aside once a tenant has its own', async () => {
      const own = await serve('own');
      const tenant = await withDefault.createTenant();

      expect(await withDefault.router.hasProvider(tenant)).toBe(true);
      const before = await withDefault.router.route(tenant, 'complex', ask);
      expect(before).toMatchObject({
        provider: 'default',
        model: 'env-model',
        value: { content: 'from default' },
      });
      expect(gateway.requests.at(-1)?.headers.authorization).toBe('Bearer env-key');

      await withDefault.addLlm(tenant, 'own', { baseUrl: own.url });
      expect((await withDefault.router.route(tenant, 'complex', ask)).provider).toBe('own');
    });
  });
});
