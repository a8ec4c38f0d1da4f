import type { SemanticModelService, SemanticSqlCompilerService, CompiledQuery, QueryPlan } from '../semantic';
import type { CostLedgerService } from './cost-ledger.service';
import type { LedgerEntry } from './cost-ledger.repository';
import { SemanticLayerProvider } from './semantic-layer.provider';

describe('SemanticLayerProvider', () => {
  const compiled = {
    sql: 'SELECT 1',
    params: [],
    guardSql: 'SELECT 1 -- guarded',
  } as unknown as CompiledQuery;
  const plan = { entity: 'work_items' } as unknown as QueryPlan;

  function provider(compile: () => CompiledQuery) {
    const rows: LedgerEntry[] = [];
    const ledger = {
      record: (e: LedgerEntry) => (rows.push(e), Promise.resolve()),
    } as unknown as CostLedgerService;
    const compiler = { compile } as unknown as SemanticSqlCompilerService;
    const models = { version: 'abc123' } as unknown as SemanticModelService;
    return { semantic: new SemanticLayerProvider(compiler, models, ledger), rows };
  }

  it('returns the compiled query and records one zero-cost ledger row with planning and compiling time', () => {
    const { semantic, rows } = provider(() => compiled);
    expect(semantic.compile(plan, 'tenant-1', 12)).toBe(compiled);
    expect(rows).toEqual([
      {
        tenantId: 'tenant-1',
        provider: 'semantic-layer',
        model: 'semantic-model@abc123',
        operation: 'plan',
        costUsd: 0,
        latencyMs: expect.any(Number),
        cpuMs: rows[0].latencyMs,
        outcome: 'ok',
      },
    ]);
    expect(rows[0].latencyMs).toBeGreaterThanOrEqual(12);
  });

  it('records nothing when the plan cannot be compiled', () => {
    const { semantic, rows } = provider(() => {
      throw new Error('no such measure');
    });
    expect(() => semantic.compile(plan, 'tenant-1', 0)).toThrow('no such measure');
    expect(rows).toEqual([]);
  });
});
