import { AppConfig } from '@app/config';
import { SemanticModelService, QuestionPlannerService } from '../semantic';
import { FIXTURE_NOW } from '../semantic/testing/fixtures';
import { fingerprintOf, normalizeQuestionText, reusable, sameStructure } from './answer-cache.service';

describe('question fingerprints', () => {
  const config = new AppConfig();
  const planner = new QuestionPlannerService(new SemanticModelService(config), config);
  const fp = async (q: string) => fingerprintOf(q, await planner.plan(q, { now: FIXTURE_NOW }));

  it('normalises case, spacing, quotes and trailing punctuation only', () => {
    expect(normalizeQuestionText('  How many  Bugs were resolved LAST week?! ')).toBe(
      'how many bugs were resolved last week',
    );
    expect(normalizeQuestionText('Top 5 in “payments-api”.')).toBe('top 5 in "payments-api"');
    expect(normalizeQuestionText('Top 5')).not.toBe(normalizeQuestionText('Top 50'));
  });

  it('extracts numbers (words too), identifiers and the resolved window', async () => {
    const f = await fp('Top five assignees in payments-api by bugs closed last week');
    expect(f.numbers).toEqual(['5']);
    expect(f.identifiers).toEqual(['payments-api']);
    expect(f.window).toBe('2026-11-16T00:00:00.000Z|2026-11-23T00:00:00.000Z');
    expect((await fp('Top twenty repositories by deploys, a week at a time')).numbers).toEqual(['20']);
  });

  it('equal confident plans match whatever the wording; different ones never do', async () => {
    const a = await fp('How many bugs were resolved last week?');
    const b = await fp('Number of bugs closed last week');
    expect(a.planSignature).not.toBeNull();
    expect(sameStructure(a, b)).toBe(true);
    expect(reusable(a, b, 0.1, 0.85)).toBe(true);
    expect(sameStructure(a, await fp('How many bugs were resolved last month?'))).toBe(false);
    expect(sameStructure(a, await fp('How many incidents were resolved last week?'))).toBe(false);
  });

  it('unsure questions need the same unread words and a close embedding', async () => {
    const a = await fp('Which engineers are overloaded right now?');
    expect(a.planSignature).toBeNull();
    expect(reusable(a, await fp('Which engineers are overloaded right now'), 0.99, 0.85)).toBe(true);
    expect(reusable(a, await fp('Which engineers are overloaded right now'), 0.8, 0.85)).toBe(false);
    expect(reusable(a, await fp('Which engineers are underloaded right now?'), 0.99, 0.85)).toBe(false);
  });

  it('never matches a confident question with an unsure one', async () => {
    const sure = await fp('Merged PRs by author since March');
    const unsure = await fp('Merged PRs by author since March, only ones without reviewers');
    expect(unsure.planSignature).toBeNull();
    expect(reusable(sure, unsure, 0.99, 0.85)).toBe(false);
  });
});
