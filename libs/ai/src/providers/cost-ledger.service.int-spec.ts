import { bootProviders, type ProvidersKit } from './testing/providers-test-kit';

describe('CostLedgerService', () => {
  let kit: ProvidersKit;

  beforeAll(async () => {
    kit = await bootProviders();
  });

  afterAll(() => kit.close());

  const call = (tenantId: string, provider: string, costUsd: number, outcome: 'ok' | 'error' = 'ok') =>
    kit.ledger.record({
      tenantId,
      provider,
      model: `${provider}-model`,
      operation: 'chat',
      inputTokens: 120,
      outputTokens: 30,
      costUsd,
      latencyMs: 850,
      outcome,
    });

  it('sums this month’s spend from the ledger, not earlier months', async () => {
    const tenant = await kit.createTenant();
    await call(tenant, 'gateway', 0.0125);
    await call(tenant, 'gateway', 0.00000001);
    await kit.pg.pool.query(
      `INSERT INTO cost_ledger (tenant_id, provider, model, operation, cost_usd, latency_ms, outcome, created_at)
       VALUES ($1, 'gateway', 'm', 'chat', 5, 1, 'ok', date_trunc('month', now()) - interval '1 day')`,
      [tenant],
    );

    expect(await kit.ledger.monthToDate(tenant)).toBeCloseTo(0.01250001, 8);
    expect(await kit.ledger.monthToDate(await kit.createTenant())).toBe(0);
  });

  it('records local work at zero cost with its CPU time, and errors too', async () => {
    const tenant = await kit.createTenant();
    const meta = { tenantId: tenant, provider: 'semantic-layer', model: 'model-v1', operation: 'plan' };

    const answer = await kit.ledger.measureLocal(meta, () => {
      let x = 0;
      for (let i = 0; i < 2_000_000; i++) x += Math.sqrt(i);
      return x > 0 ? 42 : 0;
    });
    await expect(
      kit.ledger.measureLocal(meta, () => Promise.reject(new Error('planner failed'))),
    ).rejects.toThrow('planner failed');

    expect(answer).toBe(42);
    const rows = await kit.ledgerRows(tenant);
    expect(rows.map((r) => [r.provider, r.operation, r.outcome, r.cost_usd])).toEqual([
      ['semantic-layer', 'plan', 'ok', '0.00000000'],
      ['semantic-layer', 'plan', 'error', '0.00000000'],
    ]);
    expect(rows[0].cpu_ms).toBeGreaterThan(0);
    expect(rows[0].latency_ms).toBeGreaterThan(0);
  });

  it('never fails the caller when the row cannot be written', async () => {
    await expect(call('not-a-uuid', 'gateway', 1)).resolves.toBeUndefined();
  });

  it('totals calls, errors, tokens and cost per provider for one tenant', async () => {
    const tenant = await kit.createTenant();
    await call(tenant, 'gateway', 0.002);
    await call(tenant, 'gateway', 0, 'error');
    await call(tenant, 'local', 0);
    await call(await kit.createTenant(), 'gateway', 9);

    expect(await kit.ledger.providerTotals(tenant)).toEqual([
      { provider: 'gateway', calls: 2, errors: 1, inputTokens: 240, outputTokens: 60, costUsd: 0.002 },
      { provider: 'local', calls: 1, errors: 0, inputTokens: 120, outputTokens: 30, costUsd: 0 },
    ]);
  });
});
