import { model, parserKit } from '../testing/parser-kit';
import { restate } from './restatement';

const KNOWN = {
  assignee: ['alice', 'bob', 'Daniel Ward', 'carol'],
  reporter: ['alice', 'erin', 'Daniel Ward'],
  project: ['PAY', 'WEB', 'OPS'],
  labels: ['security', 'frontend'],
};

const { read, said, refused: refusal } = parserKit(KNOWN);

describe('QuestionParser', () => {
  describe('counts', () => {
    it.each([
      ['how many bugs are there', 'number of work items where type is bug, over all time'],
      ['Count all tickets', 'number of work items, over all time'],
      ['What is the total number of issues?', 'number of work items, over all time'],
      [
        'How many issues have status in progress?',
        'number of work items where status is in progress, over all time',
      ],
      [
        'how many tasks are in progress',
        'number of work items where type is task and status is in progress, over all time',
      ],
      [
        'How many issues are in the To Do status?',
        'number of work items where status is todo, over all time',
      ],
      [
        'how many items are not resolved',
        'number of work items where status is not done or cancelled, over all time',
      ],
      [
        'how many bugs are not done',
        'number of work items where type is bug and status is not done, over all time',
      ],
      [
        'how many bugs or incidents in PAY',
        'number of work items where type is bug or incident and project is PAY, over all time',
      ],
      ['how many issues reported by erin', 'number of work items where reporter is erin, over all time'],
    ])('%s', (q, expected) => {
      expect(said(q)).toBe(expected);
      expect(read(q).projection).toEqual({ kind: 'count' });
    });
  });

  describe('group-by counts and rankings', () => {
    it.each([
      ['count of issues by status', ['status'], null],
      ['issue status and their count', ['status'], null],
      ['How many issues does each assignee have?', ['assignee'], null],
      ['What is the distribution of issues by priority?', ['priority'], null],
      ['which assignee has the most open bugs', ['assignee'], 'desc'],
      ['Who has the most open tickets?', ['assignee'], 'desc'],
      ['Who reported the most bugs?', ['reporter'], 'desc'],
      ['Which assignee has the fewest bugs?', ['assignee'], 'asc'],
    ])('%s', (q, groups, direction) => {
      const f = read(q);
      expect(f.groups.map((g) => g.dim)).toEqual(groups);
      expect(f.order?.direction ?? null).toBe(direction);
      if (direction) {
        expect(f.limit).toBe(1);
        // "which X": an X, not the records without one.
        expect(f.filters).toContainEqual(expect.objectContaining({ column: groups[0], op: 'not_null' }));
      }
    });

    it('ranks time buckets for "when"/"which day ... most"', () => {
      for (const q of ['when were most items created', 'on which day were most items created']) {
        expect(read(q)).toMatchObject({
          grain: 'day',
          order: { by: 'measure', direction: 'desc' },
          limit: 1,
        });
      }
      expect(read('which month had the most bugs')).toMatchObject({ grain: 'month', limit: 1 });
    });
  });

  describe('records, values and lookups', () => {
    it.each([
      ['list all high priority bugs', 'list of work items where priority is high and type is bug'],
      ['show me tickets with priority high', 'list of work items where priority is high'],
      ['items with status set to in progress', 'list of work items where status is in progress'],
      ['highest or high priority items', 'list of work items where priority is highest or high'],
      ['What are the issues that are not bugs?', 'list of work items where type is not bug'],
      ['all tickets other than epics', 'list of work items where type is not epic'],
      [
        'show me the open incidents outside OPS',
        'list of work items where status is not done or cancelled and type is incident and project is not OPS',
      ],
      ['Show me all unassigned tickets', 'list of work items where assignee is empty'],
      ['issues without a label', 'list of work items where label is empty'],
      ['issues created by Ward', 'list of work items where reporter is Daniel Ward'],
      ['bugs assigned to Danial Ward', 'list of work items where assignee is Daniel Ward and type is bug'],
      ['What issues did carol create?', 'list of work items where reporter is carol'],
      ['tickets mentioning checkout', 'list of work items where title mentions "checkout"'],
      ['issues with "payment" in the title', 'list of work items where title mentions "payment"'],
      [
        'which open high-priority bugs are older than 30 days',
        'list of work items where created before 2026-10-26 and status is not done or cancelled and priority is high and type is bug',
      ],
      ['tickets not updated in the last 30 days', 'list of work items where updated before 2026-10-27'],
      ['show the 5 latest bugs', 'list of work items where type is bug, latest created first, 5 at most'],
    ])('%s', (q, expected) => {
      expect(said(q)).toBe(expected);
      expect(read(q).projection).toEqual({ kind: 'rows' });
    });

    it.each([
      ['what statuses do tickets have', 'status'],
      ['What issue types exist?', 'type'],
      ['which projects have open bugs', 'project'],
      ['Which people have open bugs?', 'assignee'],
      ['List all reporters', 'reporter'],
    ])('distinct: %s', (q, name) => {
      expect(read(q).projection).toMatchObject({ kind: 'distinct', name });
    });

    it.each([
      ['what is the priority of PAY-123', 'priority'],
      ['What is the status of WEB-3?', 'status'],
      ['who is assigned to PAY-12', 'assignee'],
      ['Who reported OPS-2?', 'reporter'],
      ['when was PAY-7 created', 'created_at'],
      ['When was PAY-12 resolved?', 'resolved_at'],
      ['What are the story points of PAY-8?', 'story_points'],
      ["What's WEB-4's status", 'status'],
      ['Get the status for issue key WEB-160', 'status'],
    ])('lookup: %s', (q, name) => {
      const f = read(q);
      expect(f.projection).toMatchObject({ kind: 'lookup', name });
      // The id is the only condition: "resolved" asks for the date, it does not filter.
      expect(f.filters).toEqual([expect.objectContaining({ column: 'external_id', op: 'eq' })]);
    });
  });

  describe('dates', () => {
    it('reads explicit windows on the date the verb names', () => {
      const between = read('how many tickets were created between 1 March and 15 March 2026');
      expect(between.time).toBe('created_at');
      expect(between.window?.start?.toISOString()).toBe('2026-03-01T00:00:00.000Z');
      expect(between.window?.end?.toISOString()).toBe('2026-03-16T00:00:00.000Z');
      const resolved = read('how many tickets were resolved in February 2026');
      expect(resolved.time).toBe('resolved_at');
      expect(resolved.window?.start?.toISOString()).toBe('2026-02-01T00:00:00.000Z');
      expect(read('items updated in the last 7 days').time).toBe('updated_at');
      expect(read('bugs created in January').window?.start?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    });
  });

  describe('refuses rather than guesses', () => {
    it.each([
      ['bugs in DB', ['db']],
      ['how many bugs in Jira', ['jira']],
      ['P1 bugs', ['P1']],
      ['how many bugs in Paris', ['paris']],
      ['what is the priority of the login bug', ['login']],
    ])('%s names the words it did not understand', (q, words) => {
      expect(refusal(q).unrecognized.map((w) => w.toLowerCase())).toEqual(words.map((w) => w.toLowerCase()));
    });

    it('offers the closest answerable restatement', () => {
      expect(refusal('bugs in DB').suggestions).toEqual(['list of work items where type is bug']);
    });

    it.each([
      'list bugs assigned to alice or reported by bob',
      'delete all bugs',
      'how many are there?',
      'breakdown by status',
      'bugs created last month and resolved this week',
    ])('%s', (q) => {
      expect(refusal(q).reason.length).toBeGreaterThan(0);
    });

    it('takes an unknown capitalised word after a prefix as a name, never as a project', () => {
      const f = read('issues assigned to Zed');
      expect(f.filters).toEqual([
        expect.objectContaining({ column: 'assignee', values: ['zed'], parameter: true, exact: false }),
      ]);
    });
  });

  it('reads the model\'s fillers ("our team", "do we have") as meaning nothing, and still refuses a named team', () => {
    expect(restate(model, read('how many bugs did our team resolve last week'))).toBe(
      restate(model, read('how many bugs were resolved last week')),
    );
    expect(refusal('how many bugs did the payments team resolve last week').unrecognized).toEqual([
      'payments',
      'team',
    ]);
  });
});
