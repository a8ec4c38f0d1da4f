import { AppConfig } from '@app/config';
import { SemanticModelService } from '../semantic';
import { parseSql } from '../sql';
import { BusinessRulesValidator } from './business-rules.validator';

describe('BusinessRulesValidator', () => {
  const rules = new BusinessRulesValidator(new SemanticModelService(new AppConfig()));
  beforeAll(() => rules.onModuleInit());
  const check = (sql: string) => rules.check(parseSql(sql));

  it('refuses a query that names the tenant column, however it is qualified', () => {
    for (const sql of [
      "SELECT count(*) FROM work_items WHERE tenant_id = 'x'",
      'SELECT w.tenant_id FROM work_items w',
      'SELECT count(*) FROM work_items w JOIN pull_requests p ON p.tenant_id <> w.tenant_id',
    ]) {
      expect(check(sql)).toEqual([
        expect.objectContaining({ rule: 'tenant_column', message: expect.stringMatching(/tenant_id/) }),
      ]);
    }
  });

  it("asks a cycle-time query for the rule's conditions, and accepts it once they are there", () => {
    const without = check(
      'SELECT avg(extract(epoch FROM resolved_at - created_at) / 3600) AS cycle FROM work_items',
    );
    expect(without).toEqual([
      expect.objectContaining({
        rule: 'business_rule',
        message: expect.stringMatching(/cycle time.*status = 'done'/),
      }),
    ]);
    expect(
      check(
        "SELECT avg(extract(epoch FROM wi.resolved_at - wi.created_at) / 3600) FROM work_items wi WHERE wi.status = 'done'",
      ),
    ).toEqual([]);
  });

  it('leaves queries that compute no ruled measure alone, and unparsable SQL to the guard', () => {
    expect(check("SELECT author, count(*) FROM pull_requests WHERE state = 'open' GROUP BY author")).toEqual(
      [],
    );
    expect(check('SELECT created_at - resolved_at FROM work_items')).toEqual([]);
    expect(check('SELEC nonsense')).toEqual([]);
  });

  it('checks time to merge on pull requests', () => {
    expect(check('SELECT avg(merged_at - created_at) FROM pull_requests')).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/time to merge.*state = 'merged'/) }),
    ]);
  });
});
