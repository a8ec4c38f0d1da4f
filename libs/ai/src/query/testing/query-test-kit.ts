import type { Pool } from 'pg';
import { insertAnalyticsFixture, type AnalyticsFixture } from '../../semantic/testing/fixtures';
import { forgetChanges } from '../../sql/testing/tenant-fixtures';

/**
 * Inserts an analytics fixture's rows for tenants that already exist (created through the API): fixture tenant i
 * becomes `tenantIds[i]`. Returns the fixture with its ids replaced, for computing expected answers. The rows are
 * there to be asked about, never searched: their change-outbox entries are dropped, so the worker spends no time
 * embedding them before the records a test ingests and waits for.
 */
export async function insertFixtureFor(
  pool: Pool,
  fx: AnalyticsFixture,
  tenantIds: string[],
): Promise<AnalyticsFixture> {
  const map = new Map(fx.tenants.map((t, i) => [t.id, tenantIds[i]]));
  const remap = <T extends { tenantId: string }>(rows: T[]) =>
    rows.filter((r) => map.has(r.tenantId)).map((r) => ({ ...r, tenantId: map.get(r.tenantId)! }));
  const mapped: AnalyticsFixture = {
    ...fx,
    tenants: fx.tenants.filter((t) => map.get(t.id)).map((t) => ({ ...t, id: map.get(t.id)! })),
    workItems: remap(fx.workItems),
    pullRequests: remap(fx.pullRequests),
    deployments: remap(fx.deployments),
  };
  // The tenants exist already; only their rows are inserted.
  // One transaction: the worker is notified on commit, when the outbox entries are already gone.
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await insertAnalyticsFixture(client, { ...mapped, tenants: [] });
    await forgetChanges(client, tenantIds);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
  return mapped;
}

export interface LlmIntegration {
  baseUrl: string;
  tier?: 'simple' | 'complex' | 'any';
  priority?: number;
  inputCostPer1k?: number;
  outputCostPer1k?: number;
  model?: string;
  timeoutMs?: number;
}

/** The body of `PUT /v1/integrations/{name}` for an OpenAI-compatible LLM. */
export function llmIntegration(settings: LlmIntegration): Record<string, unknown> {
  return {
    kind: 'llm',
    provider: 'openai-compatible',
    baseUrl: settings.baseUrl,
    model: settings.model ?? 'test-model',
    tier: settings.tier ?? 'any',
    priority: settings.priority ?? 0,
    inputCostPer1k: settings.inputCostPer1k ?? 0,
    outputCostPer1k: settings.outputCostPer1k ?? 0,
    timeoutMs: settings.timeoutMs ?? 5000,
    enabled: true,
  };
}
