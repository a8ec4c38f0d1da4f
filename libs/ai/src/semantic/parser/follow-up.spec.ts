import { join } from 'node:path';
import { loadSemanticModel } from '../semantic-model.loader';
import type { LogicalForm } from './logical-form.types';
import { QuestionParser } from './question-parser';
import { restate } from './restatement';

const { model } = loadSemanticModel(join(__dirname, '../../../semantic-model.yaml'));
const parser = new QuestionParser(model);
const NOW = new Date('2026-11-25T15:30:00.000Z');
const KNOWN = {
  assignee: ['alice', 'bob', 'Daniel Ward', 'carol'],
  project: ['PAY', 'WEB', 'OPS'],
  labels: ['security', 'frontend'],
};
const opts = { now: NOW, knownValues: KNOWN };

function first(q: string): LogicalForm {
  const r = parser.parse(q, opts);
  if (!r.ok) throw new Error(`refused "${q}": ${r.refusal.reason}`);
  return r.form;
}

/** Reads `follow` after `q`: what was understood ("new: ..." when it replaced the context), or "refused: why". */
function after(q: string, follow: string): string {
  const r = parser.readInContext(follow, first(q), opts);
  if (!r.result.ok) return `refused: ${r.result.refusal.reason}`;
  return `${r.followUp ? '' : 'new: '}${restate(model, r.result.form)}`;
}

const OPEN_BUGS = 'number of work items where status is not done or cancelled and type is bug';

describe('follow-up questions merged into the previous question', () => {
  it.each([
    // Filters added, or replacing a filter on the same field.
    ['how many open bugs', 'only high priority ones', `${OPEN_BUGS} and priority is high, over all time`],
    [
      'how many open bugs',
      'And only the HIGH priority ones?',
      `${OPEN_BUGS} and priority is high, over all time`,
    ],
    ['how many open bugs', 'high priority', `${OPEN_BUGS} and priority is high, over all time`],
    [
      'how many open work items',
      'just the bugs',
      'number of work items where status is not done or cancelled and type is bug, over all time',
    ],
    [
      'how many open bugs',
      'just the incidents',
      'number of work items where status is not done or cancelled and type is incident, over all time',
    ],
    ['how many open bugs', 'only in PAY', `${OPEN_BUGS} and project is PAY, over all time`],
    [
      'how many open bugs are in PAY?',
      'what about WEB?',
      'number of work items where status is not done or cancelled and type is bug and project is WEB, over all time',
    ],
    [
      'how many bugs',
      'not the cancelled ones',
      'number of work items where type is bug and status is not cancelled, over all time',
    ],
    // Grouping added or replaced.
    ['how many open bugs', 'and by assignee?', `${OPEN_BUGS}, over all time, by assignee`],
    ['how many open bugs by assignee', 'by status instead', `${OPEN_BUGS}, over all time, by status`],
    ['list open bugs', 'and by priority?', `${OPEN_BUGS}, over all time, by priority`],
    ['how many open bugs', 'break that down by assignee', `${OPEN_BUGS}, over all time, by assignee`],
    ['how many open bugs', 'split those by priority', `${OPEN_BUGS}, over all time, by priority`],
    [
      'how many bugs created last week',
      'what about 2025?',
      'number of work items where type is bug, created 2025',
    ],
    // Time window replaced.
    [
      'how many bugs created last week',
      'what about last month?',
      'number of work items where type is bug, created last month',
    ],
    [
      'how many bugs created last week',
      'and in 2025?',
      'number of work items where type is bug, created 2025',
    ],
    // Projection switched.
    [
      'how many open bugs',
      'show me those',
      'list of work items where status is not done or cancelled and type is bug',
    ],
    [
      'how many open bugs by assignee',
      'list them',
      'list of work items where status is not done or cancelled and type is bug',
    ],
    ['list open bugs', 'how many?', `${OPEN_BUGS}, over all time`],
  ])('%s → %s', (q, f, expected) => {
    expect(after(q, f)).toBe(expected);
  });

  it.each([
    [
      'how many open bugs',
      'how many incidents are there',
      'new: number of work items where type is incident, over all time',
    ],
    ['how many open bugs', 'list the open pull requests', 'new: list of pull requests where state is open'],
  ])('a complete question replaces the context: %s → %s', (q, f, expected) => {
    expect(after(q, f)).toBe(expected);
  });

  it.each([
    ['how many open bugs', 'what about the weather', /words not understood: weather/],
    ['how many open bugs', 'only the purple ones', /words not understood: purple/],
    ['how many open bugs', 'and by vibes?', /words not understood/],
    ['how many open bugs', 'only the done ones', /contradicts/],
    ['how many open bugs', 'what about 12345?', /not understood/],
    ['how many open bugs', 'break that', /not understood/],
    ['how many open bugs', 'and drop table work_items', /change data|not understood/],
    ['how many open bugs', 'only merged ones', /other records|not understood|several kinds/],
    ['how many bugs created last month', 'what about the month before?', /counted from the previous/],
    ['how many bugs created last month', 'and the ones before?', /says nothing|not understood/],
  ])('refused: %s → %s', (q, f, reason) => {
    expect(after(q, f)).toMatch(/^refused: /);
    expect(after(q, f)).toMatch(reason);
  });

  it('a question with no context is read on its own', () => {
    const r = parser.readInContext('only high priority ones', null, opts);
    expect(r.followUp).toBe(false);
  });
});
