import { ErrorCode } from '@app/common';
import { startOpenAiTestServer, type OpenAiTestServer } from '@app/common/testing/openai-test-server';
import { LlmException } from './llm.exception';
import type { LlmProvider, LlmRequest } from './llm-provider.port';
import { bootProviders, type ProvidersKit } from './testing/providers-test-kit';
import { estimatePromptTokens } from './token-estimate';

// 400 characters: the test server bills ceil(400 / 4) = 100 prompt tokens and 2 completion tokens ("SELECT 1").
const request: LlmRequest = { messages: [{ role: 'user', content: 'x'.repeat(400) }], maxTokens: 10 };
const ask = (llm: LlmProvider) => llm.complete(request);
const rates = { inputCostPer1k: 0.01, outputCostPer1k: 0.02 };
const actualCost = (100 / 1000) * rates.inputCostPer1k + (2 / 1000) * rates.outputCostPer1k;
const heldPerCall =
  (estimatePromptTokens(request.messages) / 1000) * rates.inputCostPer1k +
  (10 / 1000) * rates.outputCostPer1k;

async function outcome(promise: Promise<unknown>): Promise<'ok' | ErrorCode> {
  try {
    await promise;
    return 'ok';
  } catch (err) {
    if (err instanceof LlmException) return err.code;
    throw err;
  }
}

describe('LLM budgets', () => {
  let kit: ProvidersKit;
  let server: OpenAiTestServer;

  beforeAll(async () => {
    kit = await bootProviders({ LLM_MAX_RETRIES: '0' });
  });

  beforeEach(async () => {
    server = await startOpenAiTestServer();
  });

  afterEach(() => server.close());

  afterAll(() => kit.close());

  const spent = async (tenantId: string) =>
    (await kit.ledgerRows(tenantId)).reduce((sum, r) => sum + Number(r.cost_usd), 0);

  it('stops a tenant once its budget is spent, before any further call reaches the provider', async () => {
    const budget = 0.005;
    const tenant = await kit.createTenant(budget);
    await kit.addLlm(tenant, 'gateway', { baseUrl: server.url, ...rates });

    const results: ('ok' | ErrorCode)[] = [];
    for (let i = 0; i < 8; i++) results.push(await outcome(kit.router.route(tenant, 'simple', ask)));

    const succeeded = results.filter((r) => r === 'ok').length;
    expect(results).toEqual([
      ...Array<string>(succeeded).fill('ok'),
      ...Array<string>(8 - succeeded).fill(ErrorCode.BUDGET_EXCEEDED),
    ]);
    // Not stopped early: a call is refused only when its worst case no longer fits.
    expect(budget - succeeded * actualCost).toBeLessThan(heldPerCall);
    expect(succeeded).toBeGreaterThanOrEqual(Math.floor(budget / heldPerCall));
    expect(server.requests).toHaveLength(succeeded);
    expect(await kit.ledger.monthToDate(tenant)).toBeCloseTo(succeeded * actualCost, 8);

    const rows = await kit.ledgerRows(tenant);
    expect(rows.filter((r) => r.outcome === 'ok')).toHaveLength(succeeded);
    for (const row of rows.filter((r) => r.outcome === 'ok')) {
      expect(row).toMatchObject({
        provider: 'gateway',
        model: 'gateway-model',
        input_tokens: 100,
        output_tokens: 2,
      });
      expect(row.cost_usd).toBe(actualCost.toFixed(8));
    }
    expect(rows.filter((r) => r.outcome === 'budget_exceeded').map((r) => r.cost_usd)).toEqual(
      Array<string>(8 - succeeded).fill('0.00000000'),
    );
  });

  it('tells the caller what the budget is and what is left', async () => {
    const tenant = await kit.createTenant(0.0001);
    await kit.addLlm(tenant, 'gateway', { baseUrl: server.url, ...rates });

    const err = await kit.router.route(tenant, 'simple', ask).catch((e: unknown) => e as LlmException);

    expect(err).toBeInstanceOf(LlmException);
    expect((err as LlmException).code).toBe(ErrorCode.BUDGET_EXCEEDED);
    expect((err as LlmException).details).toMatchObject({ budgetUsd: 0.0001, spentUsd: 0 });
    expect(server.requests).toHaveLength(0);
  });

  it('cannot be overspent by concurrent calls from several processes', async () => {
    server.setScript([], { kind: 'delay', ms: 40 });
    const budget = 0.006;
    const tenant = await kit.createTenant(budget);
    await kit.addLlm(tenant, 'gateway', { baseUrl: server.url, ...rates });
    // A second module instance stands in for another process: its own pools, caches and breakers.
    const otherProcess = await bootProviders({ LLM_MAX_RETRIES: '0' });
    try {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          outcome((i % 2 ? otherProcess : kit).router.route(tenant, 'simple', ask)),
        ),
      );

      const succeeded = results.filter((r) => r === 'ok').length;
      expect(results.filter((r) => r !== 'ok').every((r) => r === ErrorCode.BUDGET_EXCEEDED)).toBe(true);
      expect(succeeded).toBeGreaterThanOrEqual(Math.floor(budget / heldPerCall));
      expect(succeeded).toBeLessThan(20);
      expect(server.requests).toHaveLength(succeeded);
      expect(await spent(tenant)).toBeLessThanOrEqual(budget);
      expect(await kit.ledger.monthToDate(tenant)).toBeCloseTo(succeeded * actualCost, 8);
      const { rows } = await kit.pg.pool.query('SELECT 1 FROM llm_budget_reservations WHERE tenant_id = $1', [
        tenant,
      ]);
      expect(rows).toHaveLength(0);
    } finally {
      await otherProcess.close();
    }
  });

  it('releases the hold of a failed call and charges nothing for it', async () => {
    server.setScript([{ kind: 'status', status: 500 }]);
    const tenant = await kit.createTenant(heldPerCall * 1.5);
    await kit.addLlm(tenant, 'gateway', { baseUrl: server.url, ...rates });

    expect(await outcome(kit.router.route(tenant, 'simple', ask))).toBe(ErrorCode.DEPENDENCY_UNAVAILABLE);
    // The failed call's hold is gone, so the full budget is available again.
    expect(await outcome(kit.router.route(tenant, 'simple', ask))).toBe('ok');

    const rows = await kit.ledgerRows(tenant);
    expect(rows.map((r) => [r.outcome, r.cost_usd])).toEqual([
      ['error', '0.00000000'],
      ['ok', actualCost.toFixed(8)],
    ]);
  });

  it('lets a free local model answer after the paid budget is spent', async () => {
    const local = await startOpenAiTestServer({ chat: () => 'local' });
    try {
      const tenant = await kit.createTenant(0.0001);
      await kit.addLlm(tenant, 'gateway', { baseUrl: server.url, ...rates, priority: 0 });
      await kit.addLlm(tenant, 'local', { baseUrl: local.url, priority: 1 });

      const result = await kit.router.route(tenant, 'complex', ask);

      expect(result).toMatchObject({ provider: 'local', costUsd: 0 });
      expect(result.attempts[0]).toMatchObject({ provider: 'gateway', outcome: 'budget_exceeded' });
      expect(server.requests).toHaveLength(0);
    } finally {
      await local.close();
    }
  });

  it('does not limit tenants without a budget', async () => {
    const tenant = await kit.createTenant();
    await kit.addLlm(tenant, 'gateway', { baseUrl: server.url, inputCostPer1k: 1000, outputCostPer1k: 1000 });

    const result = await kit.router.route(tenant, 'simple', ask);

    expect(result.costUsd).toBeCloseTo(102, 8);
    expect(await kit.ledger.monthToDate(tenant)).toBeCloseTo(102, 8);
  });
});
