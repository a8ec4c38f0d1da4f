/** What a bank question is and what counts as its right answer; shared by the bank, the grader and the runner. */

export const QUESTION_KINDS = [
  'count',
  'group_count',
  'list',
  'distinct',
  'lookup',
  'argmax',
  'date_window',
  'negation',
  'disjunction',
  'relative_age',
  'null_check',
  'text_contains',
  'top_n',
  'metrics',
  'follow_up',
  'must_refuse',
] as const;
export type QuestionKind = (typeof QUESTION_KINDS)[number];

/** How a measure's numbers are judged (see bench/answers/README.md, "Grading"). */
export type MeasureUnit = 'count' | 'number' | 'ratio' | 'duration_hours';

/** The right answer in one of the result shapes the parser was told about. */
export type Expectation =
  | { shape: 'count'; value: number }
  /** Keys are the dimension values joined by " | " (lower case, dates as YYYY-MM-DD). */
  | { shape: 'groups'; dims: number; groups: Record<string, number>; unit: MeasureUnit }
  | { shape: 'list'; ids: string[] }
  | { shape: 'distinct'; values: string[] }
  | { shape: 'lookup'; field: string; value: string | number }
  | { shape: 'argmax'; keys: string[] }
  /** The best n by score; `scores` holds every candidate, so ties at the boundary are judged fairly. */
  | { shape: 'top'; n: number; order: 'desc' | 'asc'; scores: Record<string, number> }
  | { shape: 'scalar'; value: number; unit: MeasureUnit }
  | { shape: 'refuse' };

export interface BankQuestion {
  /** Stable across runs, e.g. "count-017b". */
  id: string;
  kind: QuestionKind;
  /** Which tenant's key asks it ("a" is the main tenant, "b" the second). */
  tenant: 'a' | 'b';
  text: string;
  /** For follow-ups: asked first, in the same conversation. */
  first?: string;
  /** Right if the answer matches any of these (several only where a human reading is genuinely open). */
  expect: Expectation[];
}

export type Outcome = 'correct' | 'wrong' | 'refused' | 'error';

export interface HttpAnswer {
  status: number;
  body: unknown;
}

export interface Verdict {
  outcome: Outcome;
  /** Why it is wrong, refused or an error (short, for the report). */
  detail?: string;
}
