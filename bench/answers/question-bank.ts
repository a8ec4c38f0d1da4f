/**
 * The answer bench's question bank: every section's questions over the main tenant, and a share of the basic
 * sections over the second tenant (asked with its own key, so an answer mixing tenants is wrong).
 */
import { SeededRandom } from '../../libs/etl/src/demo/seeded-random';
import type { AnswerDataset } from './answer-dataset.generator';
import type { BankQuestion } from './answer-bank.types';
import { addArgmaxes, addCounts, addDistincts, addGroupCounts, addLists, addLookups } from './bank-basics';
import {
  addDateWindows,
  addDisjunctions,
  addNegations,
  addNullChecks,
  addRelativeAges,
  addTextContains,
} from './bank-filters';
import { BankBuilder, type BankContext } from './bank-kit';

export function buildQuestionBank(main: AnswerDataset, second: AnswerDataset, now: Date): BankQuestion[] {
  const a: BankContext = { ds: main, now, rnd: new SeededRandom(77), tenant: 'a' };
  const ba = new BankBuilder(a);
  for (const add of [
    addCounts,
    addGroupCounts,
    addLists,
    addDistincts,
    addLookups,
    addArgmaxes,
    addDateWindows,
    addNegations,
    addDisjunctions,
    addRelativeAges,
    addNullChecks,
    addTextContains,
  ])
    add(ba, a);

  const b: BankContext = { ds: second, now, rnd: new SeededRandom(78), tenant: 'b' };
  const bb = new BankBuilder(b);
  for (const add of [addCounts, addGroupCounts, addLists, addDistincts, addLookups, addArgmaxes]) add(bb, b);
  // A third of the second tenant's phrasings is enough to catch a leak without doubling the run.
  return [...ba.questions, ...bb.questions.filter((_, i) => i % 3 === 0)];
}
