import { join } from 'node:path';
import { loadSemanticModel } from '../semantic-model.loader';
import { QuestionParser } from './question-parser';
import { restate } from './restatement';

// Phrasings in the style of other trackers (JQL, SQL, chatty) that used to be answered wrongly.
const { model } = loadSemanticModel(join(__dirname, '../../../semantic-model.yaml'));
const parser = new QuestionParser(model);
const NOW = new Date('2026-11-25T15:30:00.000Z');
const KNOWN = {
  assignee: ['alice', 'bob', 'Jane Roe', 'carol'],
  reporter: ['alice', 'erin', 'Jane Roe'],
  project: ['PAY', 'WEB', 'OPS'],
  labels: ['security', 'frontend'],
};

const said = (q: string) => {
  const r = parser.parse(q, { now: NOW, knownValues: KNOWN });
  if (!r.ok) throw new Error(`refused "${q}": ${r.refusal.reason}`);
  return restate(model, r.form);
};
const refused = (q: string) => {
  const r = parser.parse(q, { now: NOW, knownValues: KNOWN });
  if (r.ok) throw new Error(`answered "${q}" as: ${restate(model, r.form)}`);
  return r.refusal.reason;
};

describe('QuestionParser on third-party phrasings', () => {
  describe('a quoted value after a field and its operator is that field, not a title search', () => {
    it.each([
      [
        'how many issues where assignee = "Jane Roe"',
        'number of work items where assignee is Jane Roe, over all time',
      ],
      [
        'count tickets with status = "In Review"',
        'number of work items where status is in review, over all time',
      ],
      [
        'how many items where status is "in progress"',
        'number of work items where status is in progress, over all time',
      ],
      [
        'how many items where status != "In Review"',
        'number of work items where status is not in review, over all time',
      ],
      [
        'how many items where priority <> high',
        'number of work items where priority is not high, over all time',
      ],
      [
        'how many items with title = "login"',
        'number of work items where title mentions "login", over all time',
      ],
      [
        'how many items mentioning "In Review"',
        'number of work items where title mentions "In Review", over all time',
      ],
    ])('%s', (q, expected) => expect(said(q)).toBe(expected));

    it('refuses a quoted value the field does not know', () => {
      expect(refused('count tickets where assignee = "zork"')).toContain('zork');
    });
  });

  describe('a parenthesised list is a disjunction', () => {
    it.each([
      [
        "how many issues with status in ('todo','in progress')",
        'number of work items where status is todo or in progress, over all time',
      ],
      [
        'how many bugs with priority in (High, Highest)',
        'number of work items where type is bug and priority is high or highest, over all time',
      ],
      [
        'how many items with status not in (done, cancelled)',
        'number of work items where status is not done or cancelled, over all time',
      ],
    ])('%s', (q, expected) => expect(said(q)).toBe(expected));
  });

  describe('conditions no record can meet together are refused', () => {
    it.each([
      'how many items with status in (done) and status not in (done)',
      'how many unresolved items with resolution done',
      'how many unresolved items that are resolved',
      'how many items with status done and status todo',
      'how many unassigned items assigned to alice',
    ])('%s', (q) => expect(refused(q)).toContain('can never all hold'));

    it('still answers two compatible conditions on one field', () => {
      expect(said('how many unresolved items with status in (todo, done)')).toBe(
        'number of work items where status is not done or cancelled and status is todo or done, over all time',
      );
    });
  });

  describe('"right now", "currently", "as of today" mean the current state, not a window', () => {
    it.each([
      [
        'how many items are open right now',
        'number of work items where status is not done or cancelled, over all time',
      ],
      [
        'how many issues are open as of today',
        'number of work items where status is not done or cancelled, over all time',
      ],
      [
        'how many tickets are in review at the moment',
        'number of work items where status is in review, over all time',
      ],
      [
        'how many bugs are currently in progress',
        'number of work items where type is bug and status is in progress, over all time',
      ],
      ['how many issues were created today', 'number of work items, created today'],
    ])('%s', (q, expected) => expect(said(q)).toBe(expected));
  });

  describe('filed / logged / raised by is the reporter, also for a person named without a role', () => {
    it.each([
      ['how many tickets logged by erin', 'number of work items where reporter is erin, over all time'],
      ['defects filed per person', 'number of work items where type is bug, over all time, by reporter'],
      [
        'number of bugs reported per engineer',
        'number of work items where type is bug, over all time, by reporter',
      ],
      ['which people filed bugs', 'distinct reporter values of work items where type is bug'],
      [
        'which engineer raised the most bugs',
        'number of work items where type is bug and reporter is set, over all time, the one reporter with the most',
      ],
      // No verb naming another role: the person is the assignee.
      ['bugs per person', 'number of work items where type is bug, over all time, by assignee'],
      [
        'which people have open tickets',
        'distinct assignee values of work items where status is not done or cancelled',
      ],
    ])('%s', (q, expected) => expect(said(q)).toBe(expected));
  });

  describe('time buckets follow the verb', () => {
    it.each([
      [
        'which month were the most items closed',
        'number of work items where status is done or cancelled and resolved is set, over all time, the one month resolved with the most',
      ],
      [
        'how many items were closed per month',
        'number of work items where status is done or cancelled and resolved is set, over all time, by month resolved',
      ],
      [
        'how many resolved bugs were created per month',
        'number of work items where status is done or cancelled and resolved is set and type is bug, over all time, by month',
      ],
      [
        'which week had the most bugs created',
        'number of work items where type is bug, over all time, the one week with the most',
      ],
    ])('%s', (q, expected) => expect(said(q)).toBe(expected));

    it('refuses buckets on two different dates', () => {
      expect(refused('how many bugs created and updated per month')).toBeTruthy();
    });
  });

  describe('comparing two fields with each other is refused, never read as an empty field', () => {
    it.each([
      'how many items where assignee differs from reporter',
      'how many items where assignee is the reporter',
      'how many items where assignee = reporter',
      'how many items where assignee != reporter',
      'how many items where the assignee is not the reporter',
      'how many items with reporter different from assignee',
      'how many items assigned to the reporter',
    ])('%s', (q) => expect(refused(q)).toBeTruthy());

    it.each([
      [
        'how many bugs by assignee and reporter',
        'number of work items where type is bug, over all time, by assignee and reporter',
      ],
      ['how many items with no reporter', 'number of work items where reporter is empty, over all time'],
      [
        'how many items where status is done by assignee',
        'number of work items where status is done, over all time, by assignee',
      ],
    ])('still reads two fields that are not compared: %s', (q, expected) => expect(said(q)).toBe(expected));
  });

  describe('JQL vocabulary', () => {
    it.each([
      ['how many items with issuetype = Bug', 'number of work items where type is bug, over all time'],
      [
        'how many items where statusCategory != Done',
        'number of work items where status is not done or cancelled, over all time',
      ],
      [
        'how many items with statusCategory = "To Do"',
        'number of work items where status is todo, over all time',
      ],
      [
        'how many items where resolution is EMPTY',
        'number of work items where status is not done or cancelled, over all time',
      ],
      [
        'how many items where resolution = Unresolved',
        'number of work items where status is not done or cancelled, over all time',
      ],
      [
        'how many items where assignee is EMPTY',
        'number of work items where assignee is empty, over all time',
      ],
      [
        'how many items where assignee is not null',
        'number of work items where assignee is set, over all time',
      ],
      [
        'how many items where labels is not empty',
        'number of work items where label is not empty, over all time',
      ],
      [
        'how many items where labels contains security',
        'number of work items where label includes security, over all time',
      ],
      [
        'type = bug and project = PAY | count',
        'number of work items where type is bug and project is PAY, over all time',
      ],
    ])('%s', (q, expected) => expect(said(q)).toBe(expected));

    it.each([
      'how many items where resolution = done and statusCategory != Done',
      'how many items where sprint is empty',
    ])('still refuses what it cannot place: %s', (q) => expect(refused(q)).toBeTruthy());
  });

  describe('chatty state words', () => {
    it.each([
      [
        'how many items that havent been closed',
        'number of work items where status is not done or cancelled, over all time',
      ],
      ['how many items ended up cancelled', 'number of work items where status is cancelled, over all time'],
      ['items actually being worked on', 'list of work items where status is in progress'],
      [
        'how many items are still open',
        'number of work items where status is not done or cancelled, over all time',
      ],
      ['items carrying the security label', 'list of work items where label includes security'],
      ['how many items with a label', 'number of work items where label is not empty, over all time'],
      [
        'how many bugs have an assignee',
        'number of work items where assignee is set and type is bug, over all time',
      ],
    ])('%s', (q, expected) => expect(said(q)).toBe(expected));
  });

  describe('date forms', () => {
    const windowOf = (q: string) => {
      const r = parser.parse(q, { now: NOW, knownValues: KNOWN });
      if (!r.ok) throw new Error(`refused "${q}": ${r.refusal.reason}`);
      return [
        r.form.window?.start?.toISOString().slice(0, 10),
        r.form.window?.end?.toISOString().slice(0, 10),
      ];
    };
    it.each([
      ['how many items created in the first half of 2025', '2025-01-01', '2025-07-01'],
      ['how many items created in H1 2025', '2025-01-01', '2025-07-01'],
      ['bugs created in the second half of 2025', '2025-07-01', '2026-01-01'],
      ['how many items created Oct–Dec 2025', '2025-10-01', '2026-01-01'],
      ['how many items created from October through December 2025', '2025-10-01', '2026-01-01'],
      ['how many items created so far this year', '2026-01-01', '2027-01-01'],
      ['how many items created during the year 2025', '2025-01-01', '2026-01-01'],
      ['how many items created on 2026/10/01', '2026-10-01', '2026-10-02'],
      ['how many items created on 07/25/2026', '2026-07-25', '2026-07-26'],
    ])('%s', (q, start, end) => expect(windowOf(q)).toEqual([start, end]));

    it('refuses a slashed date whose day could be a month', () => {
      expect(refused('how many items created on 05/06/2026')).toBeTruthy();
    });
  });

  describe('group-by forms', () => {
    it.each([
      [
        'how are tasks distributed across statuses',
        'number of work items where type is task, over all time, by status',
      ],
      ['# of bugs per assignee', 'number of work items where type is bug, over all time, by assignee'],
      ['count by issuetype', 'number of work items, over all time, by type'],
    ])('%s', (q, expected) => expect(said(q)).toBe(expected));
  });

  describe('superlative and distinct-value fillers', () => {
    it.each([
      [
        'what are the distinct priority values of open bugs',
        'distinct priority values of work items where status is not done or cancelled and type is bug',
      ],
      [
        'which single day had the most items created',
        'number of work items, over all time, the one day with the most',
      ],
      [
        'who is the busiest assignee',
        'number of work items where assignee is set, over all time, the one assignee with the most',
      ],
    ])('%s', (q, expected) => expect(said(q)).toBe(expected));

    it.each(['which values', 'list the distinct status values'])('still refuses without records: %s', (q) =>
      expect(refused(q)).toBeTruthy(),
    );
  });
});
