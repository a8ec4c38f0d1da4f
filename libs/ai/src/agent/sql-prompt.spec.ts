import { correctionPrompt, sqlFromCompletion, sqlPrompt } from './sql-prompt';
import type { RetrievedContext } from './query-state';

const context: RetrievedContext = {
  tables: [{ table: 'work_items', score: 0.5, text: 'TABLE work_items -- work items\n  status text' }],
  examples: [
    {
      question: 'Open incidents by priority',
      sql: 'SELECT priority, count(*) FROM work_items',
      similarity: 0.6,
    },
  ],
  rules: ['Cycle time counts only items that reached done.'],
  relationships: [],
};

describe('SQL prompt', () => {
  it('gives the schema subset, rules, examples, the date and the tenant-filter rule', () => {
    const [system, user] = sqlPrompt('How many bugs?', context, new Date('2026-11-25T15:30:00Z'), 1000);
    expect(system.content).toMatch(/JSON object .*\{"sql"/);
    expect(system.content).toMatch(/tenant filter is added automatically/);
    expect(system.content).toMatch(/2026-11-25T15:30:00\.000Z \(a Wednesday\)/);
    expect(user.content).toContain('TABLE work_items');
    expect(user.content).toContain('- Cycle time counts only items that reached done.');
    expect(user.content).toContain(
      'Q: Open incidents by priority\nSQL: SELECT priority, count(*) FROM work_items',
    );
    expect(user.content.endsWith('Question: How many bugs?')).toBe(true);
  });

  it('replays each rejected answer with its reason in a correction round', () => {
    const base = sqlPrompt('q', context, new Date(), 10);
    const messages = correctionPrompt(base, [
      {
        content: '{"sql":"SELECT nope"}',
        sql: 'SELECT nope',
        issues: [{ stage: 'validate', rule: 'unknown_column', message: 'Column nope does not exist.' }],
      },
    ]);
    expect(messages.slice(2)).toEqual([
      { role: 'assistant', content: '{"sql":"SELECT nope"}' },
      {
        role: 'user',
        content: expect.stringMatching(/^That query was rejected: Column nope does not exist\./),
      },
    ]);
  });

  it('reads the SQL out of the JSON answer, tolerating a code fence, and nothing else', () => {
    expect(sqlFromCompletion('{"sql": " SELECT 1 "}')).toBe('SELECT 1');
    expect(sqlFromCompletion('```json\n{"sql": "SELECT 2"}\n```')).toBe('SELECT 2');
    expect(sqlFromCompletion('SELECT 3')).toBeNull();
    expect(sqlFromCompletion('{"query": "SELECT 4"}')).toBeNull();
    expect(sqlFromCompletion('{"sql": ""}')).toBeNull();
  });
});
