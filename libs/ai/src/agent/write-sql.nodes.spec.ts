import { AppConfig } from '@app/config';
import { SemanticModelService } from '../semantic';
import { SqlExecutorService, SqlGuardService, SqlValidatorService } from '../sql';
import { BusinessRulesValidator } from './business-rules.validator';
import type {
  CorrectionState,
  GenerationAttempt,
  QueryContext,
  QueryState,
  SqlCandidate,
} from './query-state';
import type { GuardResult } from '../sql';
import { GuardNode } from './query-graph.nodes';
import { ValidateSqlNode } from './write-sql.nodes';

// The libpg-query instance pgsql-parser reads parseSync from (an import would get a copy the spy never reaches).
const libpgQuery = jest.requireActual<typeof import('libpg-query')>(
  require.resolve('libpg-query', { paths: [require.resolve('pgsql-parser')] }),
);

describe('ValidateSqlNode and GuardNode: one parse of the model SQL', () => {
  const config = new AppConfig(process.env);
  const models = new SemanticModelService(config);
  const guard = new SqlGuardService(config);
  const rules = new BusinessRulesValidator(models);
  const executor = { explain: () => Promise.resolve({ totalCost: 1, plan: {} }) };
  const validator = new SqlValidatorService(config, guard, executor as unknown as SqlExecutorService);
  const validate = new ValidateSqlNode(validator, rules, models);
  const guardNode = new GuardNode(guard, models);

  beforeAll(async () => {
    await guard.onModuleInit();
    await rules.onModuleInit();
  });
  afterEach(() => jest.restoreAllMocks());

  type Validated = { attempts: GenerationAttempt[]; candidate: SqlCandidate | null };

  const ctx = { tenantId: 't1', question: 'q', noCache: false } as QueryContext;
  const draftOf = (sql: string) =>
    ({ draft: { content: JSON.stringify({ sql }), sql } }) as unknown as CorrectionState;

  it('parses the SQL once for the guard, the analyzer, the business rules and the guard node', async () => {
    const parse = jest.spyOn(libpgQuery, 'parseSync');
    const sql = "SELECT status, count(*) FROM work_items WHERE status = 'done' GROUP BY status";
    const update = (await validate.run(draftOf(sql), ctx)) as Validated;
    expect(update.attempts[0].issues).toEqual([]);
    expect(update.candidate).toMatchObject({ source: 'llm', sql });
    const { guarded } = guardNode.run({ candidate: update.candidate } as unknown as QueryState) as {
      guarded: GuardResult;
    };
    expect(guarded.sql).toMatch(/tenant_id = \$1/);
    // The guard rewrote a copy: the shared tree is still the model's query, without the tenant parameter.
    expect(JSON.stringify(update.candidate?.parsed)).not.toContain('ParamRef');
    expect(parse).toHaveBeenCalledTimes(1);
    expect(parse).toHaveBeenCalledWith(sql);
  });

  it('reports issues of the guard and of the business rules from that one parse', async () => {
    const parse = jest.spyOn(libpgQuery, 'parseSync');
    const sql = 'SELECT avg(resolved_at - created_at) FROM work_items WHERE tenant_id = $1';
    const update = (await validate.run(draftOf(sql), ctx)) as Validated;
    expect(update.attempts[0].issues.map((i) => i.rule).sort()).toEqual([
      'business_rule',
      'parameter_not_allowed',
      'tenant_column',
    ]);
    expect(update.candidate).toBeNull();
    expect(parse).toHaveBeenCalledTimes(1);
  });
});
