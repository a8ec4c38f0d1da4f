/**
 * The answer bench's question bank: every section's questions over the main tenant, and a share of the basic
 * sections over the second tenant (asked with its own key, so an answer mixing tenants is wrong).
 */
import { SeededRandom } from '@app/common';
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
import { addAdversarial } from './bank-adversarial';
import { addFollowUps, addMoreFollowUps, addMustRefuse, addOtherTenantNames } from './bank-dialogue';
import { BankBuilder, type BankContext } from './bank-kit';
import { addMetrics, addMoreTopN, addTopN } from './bank-metrics';
import { addFlowAndRecoveryMetrics } from './bank-recovery-metrics';
import { addNumericAndSqlForms } from './bank-forms';
import { addJiraStyle } from './bank-jira-style';
import { addRecordQuestions } from './bank-records';

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
    addTopN,
    addMetrics,
    addFollowUps,
    addAdversarial,
    addMoreTopN,
    addMoreFollowUps,
    addRecordQuestions,
    addJiraStyle,
    addFlowAndRecoveryMetrics,
    addNumericAndSqlForms,
  ])
    add(ba, a);
  addMustRefuse(ba);

  const b: BankContext = { ds: second, now, rnd: new SeededRandom(78), tenant: 'b' };
  const bb = new BankBuilder(b);
  for (const add of [addCounts, addGroupCounts, addLists, addDistincts, addLookups, addArgmaxes]) add(bb, b);
  // Half of the second tenant's phrasings is enough to catch a leak without doubling the run.
  const basics = bb.questions.filter((_, i) => i % 2 === 0);
  const before = bb.questions.length;
  addOtherTenantNames(bb, a);
  addOtherTenantNames(ba, b);
  return [...ba.questions, ...basics, ...bb.questions.slice(before)];
}
