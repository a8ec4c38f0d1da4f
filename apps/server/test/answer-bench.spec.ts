/**
 * The answer bench's measuring stick (bench/answers): the generated data is reproducible, the bank is well formed,
 * and the grader accepts right answers in the agreed result shapes and rejects wrong ones.
 */
import {
  ACME,
  BENCH_NOW,
  generateAnswerDataset,
  GLOBEX,
} from '../../../bench/answers/answer-dataset.generator';
import { QUESTION_KINDS, type Expectation, type HttpAnswer } from '../../../bench/answers/answer-bank.types';
import { grade, sameMeasure } from '../../../bench/answers/answer.grader';
import { buildQuestionBank } from '../../../bench/answers/question-bank';

const answer = (columns: string[], rows: unknown[][], extra: Record<string, unknown> = {}): HttpAnswer => ({
  status: 200,
  body: { columns, rows, rowCount: rows.length, ...extra },
});
const outcome = (expect: Expectation | Expectation[], a: HttpAnswer) =>
  grade({ expect: Array.isArray(expect) ? expect : [expect] }, a).outcome;

describe('answer dataset generator', () => {
  it('gives the same rows for the same seed and different rows for another tenant', () => {
    const a = generateAnswerDataset(ACME);
    expect(generateAnswerDataset(ACME)).toEqual(a);
    const b = generateAnswerDataset(GLOBEX);
    expect(b.workItems.map((w) => w.title)).not.toEqual(
      a.workItems.slice(0, b.workItems.length).map((w) => w.title),
    );
  });

  it('keeps every row consistent with the data model and before NOW’s day', () => {
    const { workItems, pullRequests, deployments } = generateAnswerDataset(ACME);
    const lastInstant = BENCH_NOW.getTime();
    for (const w of workItems) {
      expect(w.resolvedAt !== null).toBe(w.status === 'done' || w.status === 'cancelled');
      expect(Date.parse(w.createdAt)).toBeLessThan(lastInstant);
      if (w.resolvedAt) expect(Date.parse(w.resolvedAt)).toBeGreaterThanOrEqual(Date.parse(w.createdAt));
      expect(Date.parse(w.updatedAt)).toBeLessThan(lastInstant);
    }
    for (const p of pullRequests) expect(p.mergedAt !== null).toBe(p.state === 'merged');
    for (const d of deployments) expect(Date.parse(d.startedAt)).toBeLessThan(lastInstant);
    const ids = [...workItems, ...pullRequests, ...deployments].map((r) => r.externalId);
    expect(new Set(ids).size).toBe(ids.length);
    // ~18 months of history
    const oldest = Math.min(...workItems.map((w) => Date.parse(w.createdAt)));
    expect((lastInstant - oldest) / 86_400_000).toBeGreaterThan(500);
  });
});

describe('question bank', () => {
  const bank = buildQuestionBank(generateAnswerDataset(ACME), generateAnswerDataset(GLOBEX), BENCH_NOW);

  it('has at least 800 uniquely numbered questions of every kind, for both tenants', () => {
    expect(bank.length).toBeGreaterThanOrEqual(800);
    expect(new Set(bank.map((q) => q.id)).size).toBe(bank.length);
    for (const kind of QUESTION_KINDS)
      expect(bank.filter((q) => q.kind === kind).length).toBeGreaterThanOrEqual(10);
    expect(bank.filter((q) => q.tenant === 'b').length).toBeGreaterThan(50);
    expect(bank.filter((q) => q.kind === 'follow_up').every((q) => q.first)).toBe(true);
  });

  it('is the same on every build', () => {
    expect(buildQuestionBank(generateAnswerDataset(ACME), generateAnswerDataset(GLOBEX), BENCH_NOW)).toEqual(
      bank,
    );
  });

  it('computes each tenant’s truths from its own rows', () => {
    const projects = (tenant: 'a' | 'b') =>
      bank.find((q) => q.tenant === tenant && /^which projects are there/i.test(q.text))?.expect;
    expect(projects('a')).toEqual([
      { shape: 'distinct', values: expect.arrayContaining(['PAY', 'WEB', 'OPS', 'DATA']) },
    ]);
    expect(projects('b')).toEqual([{ shape: 'distinct', values: expect.arrayContaining(['PAY', 'HR']) }]);
    expect((projects('b')?.[0] as { values: string[] }).values).toHaveLength(2);
  });
});

describe('answer grader', () => {
  it('judges a count by its one numeric cell, bigint strings included', () => {
    expect(outcome({ shape: 'count', value: 12 }, answer(['n'], [['12']]))).toBe('correct');
    expect(outcome({ shape: 'count', value: 12 }, answer(['n'], [[11]]))).toBe('wrong');
    expect(
      outcome(
        { shape: 'count', value: 12 },
        answer(
          ['status', 'n'],
          [
            ['done', 12],
            ['todo', 0],
          ],
        ),
      ),
    ).toBe('wrong');
  });

  it('compares group-by answers as a map; zero and missing-value groups may be absent', () => {
    const e: Expectation = {
      shape: 'groups',
      dims: 1,
      unit: 'count',
      groups: { done: 3, todo: 2, null: 4, cancelled: 0 },
    };
    expect(
      outcome(
        e,
        answer(
          ['status', 'count'],
          [
            ['todo', '2'],
            ['done', 3],
          ],
        ),
      ),
    ).toBe('correct');
    expect(
      outcome(
        e,
        answer(
          ['status', 'count'],
          [
            ['todo', 2],
            ['done', 4],
          ],
        ),
      ),
    ).toBe('wrong');
    expect(
      outcome(
        e,
        answer(
          ['status', 'count'],
          [
            ['todo', 2],
            ['done', 3],
            ['in_review', 1],
          ],
        ),
      ),
    ).toBe('wrong');
    expect(outcome(e, answer(['count'], [[5]]))).toBe('wrong');
    const people: Expectation = {
      shape: 'groups',
      dims: 1,
      unit: 'count',
      groups: { 'daniel ward': 3, null: 2 },
    };
    expect(
      outcome(
        people,
        answer(
          ['assignee', 'n'],
          [
            ['Daniel Ward', 3],
            ['Unassigned', 2],
          ],
        ),
      ),
    ).toBe('correct');
    expect(
      outcome(
        people,
        answer(
          ['assignee', 'n'],
          [
            ['Daniel Ward', 3],
            [null, 1],
          ],
        ),
      ),
    ).toBe('wrong');
    const weeks: Expectation = { shape: 'groups', dims: 1, unit: 'count', groups: { '2026-11-09': 5 } };
    expect(outcome(weeks, answer(['week', 'n'], [['2026-11-09T00:00:00.000Z', 5]]))).toBe('correct');
    const rate: Expectation = { shape: 'groups', dims: 1, unit: 'ratio', groups: { web: 0.25 } };
    expect(outcome(rate, answer(['service', 'rate', 'failed', 'total'], [['web', '0.2500', 3, 12]]))).toBe(
      'correct',
    );
  });

  it('compares lists by their id column as sets, and a truncated list as a subset', () => {
    const e: Expectation = { shape: 'list', ids: ['PAY-1', 'PAY-2', 'PAY-3'] };
    expect(
      outcome(
        e,
        answer(
          ['id', 'title'],
          [
            ['PAY-3', 'x'],
            ['PAY-1', 'y'],
            ['PAY-2', 'z'],
          ],
        ),
      ),
    ).toBe('correct');
    expect(
      outcome(
        e,
        answer(
          ['id', 'title'],
          [
            ['PAY-3', 'x'],
            ['PAY-1', 'y'],
          ],
        ),
      ),
    ).toBe('wrong');
    expect(outcome(e, answer(['id'], [['PAY-3'], ['PAY-1']], { truncated: true }))).toBe('correct');
    expect(outcome(e, answer(['count'], [[3]]))).toBe('wrong');
  });

  it('judges distinct values, lookups and arg-max with ties', () => {
    expect(
      outcome({ shape: 'distinct', values: ['PAY', 'WEB'] }, answer(['project'], [['WEB'], ['PAY']])),
    ).toBe('correct');
    expect(outcome({ shape: 'distinct', values: ['PAY', 'WEB'] }, answer(['project'], [['WEB']]))).toBe(
      'wrong',
    );
    const status: Expectation = { shape: 'lookup', field: 'status', value: 'in_review' };
    expect(outcome(status, answer(['id', 'status'], [['PAY-1', 'in_review']]))).toBe('correct');
    expect(outcome(status, answer(['id', 'status', 'title'], [['PAY-1', 'done', 'in_review']]))).toBe(
      'wrong',
    );
    expect(
      outcome(
        status,
        answer(
          ['id', 'status'],
          [
            ['PAY-1', 'in_review'],
            ['PAY-2', 'done'],
          ],
        ),
      ),
    ).toBe('wrong');
    const points: Expectation = { shape: 'lookup', field: 'storyPoints', value: 5 };
    expect(outcome(points, answer(['story_points'], [['5']]))).toBe('correct');
    const e: Expectation = { shape: 'argmax', keys: ['Daniel Ward', 'Priya Shah'] };
    expect(
      outcome(
        e,
        answer(
          ['assignee', 'n'],
          [
            ['Priya Shah', 9],
            ['Daniel Ward', 9],
          ],
        ),
      ),
    ).toBe('correct');
    expect(outcome(e, answer(['assignee', 'n'], [['Tom Becker', 9]]))).toBe('wrong');
    const month: Expectation = { shape: 'argmax', keys: ['2026-10-01'] };
    expect(outcome(month, answer(['month', 'n'], [['October 2026', 9]]))).toBe('correct');
    expect(outcome(month, answer(['month', 'n'], [['2026-10', 9]]))).toBe('correct');
    expect(outcome(month, answer(['month', 'n'], [['2026-10-01T00:00:00.000Z', 9]]))).toBe('correct');
    expect(outcome(month, answer(['month', 'n'], [['2026-09-01', 9]]))).toBe('wrong');
  });

  it('accepts any of the tied items at the boundary of a top N, in order', () => {
    const e: Expectation = { shape: 'top', n: 2, order: 'desc', scores: { a: 10, b: 7, c: 7, d: 1 } };
    expect(
      outcome(
        e,
        answer(
          ['id', 'size'],
          [
            ['a', 10],
            ['c', 7],
          ],
        ),
      ),
    ).toBe('correct');
    expect(
      outcome(
        e,
        answer(
          ['id', 'size'],
          [
            ['a', 10],
            ['b', 7],
          ],
        ),
      ),
    ).toBe('correct');
    expect(
      outcome(
        e,
        answer(
          ['id', 'size'],
          [
            ['b', 7],
            ['a', 10],
          ],
        ),
      ),
    ).toBe('wrong');
    expect(
      outcome(
        e,
        answer(
          ['id', 'size'],
          [
            ['a', 10],
            ['d', 1],
          ],
        ),
      ),
    ).toBe('wrong');
    expect(outcome(e, answer(['id', 'size'], [['a', 10]]))).toBe('wrong');
  });

  it('reads durations in the unit the column names, and ratios as fractions or percentages', () => {
    expect(sameMeasure('2.00', 'avg_cycle_time_days', 48, 'duration_hours')).toBe(true);
    expect(sameMeasure('48', 'avg_cycle_time_days', 48, 'duration_hours')).toBe(false);
    expect(sameMeasure(48, 'avg_cycle_time_hours', 48, 'duration_hours')).toBe(true);
    expect(sameMeasure(2, 'avg_cycle_time', 48, 'duration_hours')).toBe(true);
    expect(sameMeasure({ days: 2 }, 'cycle_time', 48, 'duration_hours')).toBe(true);
    expect(sameMeasure(172800, 'cycle_time_seconds', 48, 'duration_hours')).toBe(true);
    expect(sameMeasure('0.1234', 'change_failure_rate', 0.12341, 'ratio')).toBe(true);
    expect(sameMeasure('12.34', 'change_failure_pct', 0.12341, 'ratio')).toBe(true);
    expect(sameMeasure('0.13', 'change_failure_rate', 0.12341, 'ratio')).toBe(false);
    expect(sameMeasure(12.3, 'avg_size', 12.44, 'number')).toBe(false);
    expect(sameMeasure(12.4, 'avg_size', 12.44, 'number')).toBe(true);
  });

  it('tells refusals, errors and refusals the bank wants apart', () => {
    const refusal: HttpAnswer = { status: 422, body: { error: { code: 'CANNOT_ANSWER', message: 'x' } } };
    expect(grade({ expect: [{ shape: 'count', value: 1 }] }, refusal)).toEqual({
      outcome: 'refused',
      detail: 'CANNOT_ANSWER',
    });
    expect(outcome({ shape: 'refuse' }, refusal)).toBe('correct');
    expect(outcome({ shape: 'refuse' }, answer(['n'], [[0]]))).toBe('wrong');
    expect(
      outcome({ shape: 'count', value: 1 }, { status: 500, body: { error: { code: 'INTERNAL' } } }),
    ).toBe('error');
    expect(
      outcome(
        [
          { shape: 'count', value: 1 },
          { shape: 'count', value: 2 },
        ],
        answer(['n'], [[2]]),
      ),
    ).toBe('correct');
  });
});
