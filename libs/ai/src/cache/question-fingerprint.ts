import type { QueryPlan } from '../semantic';
import { numberOfWord } from '../semantic/number-words';

/**
 * What two questions must share before one may reuse the other's answer, besides being close in embedding space.
 * Sentence embeddings barely move when one number, name or time window changes ("top 5" vs "top 10", "last week"
 * vs "last month", "bugs" vs "incidents"), so those are compared exactly.
 */
export interface QuestionFingerprint {
  /** Every number in the question, words included ("five" → 5), sorted. */
  numbers: string[];
  /** Identifier-like tokens (`payments-api`, `PAY-12`, `v1.2`) and quoted values, lower-cased, sorted. */
  identifiers: string[];
  /** The resolved time window, `start|end`, or null when the question names none. */
  window: string | null;
  /** What the planner recognised, confident or not: entity, measure, filters, grouping, ranking. */
  understood: string;
  /**
   * Words the planner could not place, crudely singularised and sorted: for questions it is unsure of, the words
   * that carry the meaning it missed ("overloaded" vs "underloaded", "Friday" vs "Monday").
   */
  unread: string[];
  /** The whole plan, only when the planner is confident: equal signatures compile to the same SQL. */
  planSignature: string | null;
}

/** Lower-cased, unicode-normalised, single-spaced, without trailing punctuation: the exact-cache form. */
export function normalizeQuestionText(question: string): string {
  return question
    .normalize('NFKC')
    .replace(/[’‘`´]/g, "'")
    .replace(/[“”]/g, '"')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[\s.,;:!?¿¡]+|[\s.,;:!?]+$/g, '');
}

function numbersOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\d+(?:\.\d+)?/g)) out.push(String(Number(m[0])));
  for (const m of text.matchAll(/[a-z]+/g)) {
    const n = numberOfWord(m[0]);
    if (n !== undefined) out.push(String(n));
  }
  return out.sort();
}

function identifiersOf(question: string): string[] {
  const out = new Set<string>();
  for (const m of question.matchAll(/"([^"]+)"|'([^']+)'/g)) out.add((m[1] ?? m[2]).trim().toLowerCase());
  for (const m of question.matchAll(/[\p{L}\p{N}_]+(?:[-_/.#][\p{L}\p{N}_]+)+/gu))
    out.add(m[0].toLowerCase());
  return [...out].sort();
}

function stem(word: string): string {
  const w = word.toLowerCase().replace(/'s$/, '');
  if (w.length > 4 && w.endsWith('ies')) return `${w.slice(0, -3)}y`;
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) return w.slice(0, -1);
  return w;
}

function filterKey(f: QueryPlan['filters'][number]): string {
  const values = f.values.map((v) => v.toLowerCase()).sort();
  return `${f.entity}.${f.column}:${f.op}:${values.join(',')}`;
}

/** The part of a plan the question itself asked for (business rules and ranking filters follow from it). */
function understoodOf(plan: QueryPlan): string {
  return JSON.stringify([
    plan.entity,
    plan.measure ? [plan.measure.key, plan.measure.aggregation, plan.measure.percentile] : null,
    plan.filters
      .filter((f) => !f.source.startsWith('rule:') && f.source !== 'ranking')
      .map(filterKey)
      .sort(),
    plan.dimensions.map((d) => `${d.entity}.${d.key}`).sort(),
    plan.grain,
    plan.order,
    plan.rowOrder ?? null,
    plan.limit,
    plan.projection ?? null,
  ]);
}

/** Everything the SQL compiler reads from a plan, so equal signatures mean the same query. */
export function planSignature(plan: QueryPlan): string {
  return JSON.stringify([
    plan.modelVersion,
    plan.entity,
    plan.joins,
    plan.measure
      ? [plan.measure.key, plan.measure.aggregation, plan.measure.percentile, plan.measure.alias]
      : null,
    plan.filters.map((f) => [filterKey(f), f.parameter, f.caseInsensitive]).sort(),
    plan.dimensions.map((d) => `${d.entity}.${d.key}`),
    plan.time ? `${plan.time.entity}.${plan.time.column}` : null,
    plan.window ? [plan.window.start, plan.window.end] : null,
    plan.grain,
    plan.order,
    plan.rowOrder ?? null,
    plan.limit,
    plan.projection ?? null,
  ]);
}

export function fingerprintOf(question: string, plan: QueryPlan): QuestionFingerprint {
  const text = normalizeQuestionText(question);
  return {
    numbers: numbersOf(text),
    identifiers: identifiersOf(question.normalize('NFKC')),
    window: plan.window ? `${plan.window.start ?? ''}|${plan.window.end ?? ''}` : null,
    understood: understoodOf(plan),
    unread: [...new Set(plan.unrecognized.map(stem))].sort(),
    planSignature: plan.answerable ? planSignature(plan) : null,
  };
}

const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Whether a cached answer may stand for a new question whose embedding is close enough: when the planner is
 * confident about both, the same plan; when it is unsure of both, the same numbers, names, time window and
 * recognised meaning; never when it is confident about only one.
 */
export function sameStructure(a: QuestionFingerprint, b: QuestionFingerprint): boolean {
  if (a.planSignature !== null && b.planSignature !== null) return a.planSignature === b.planSignature;
  // One question is fully explained by its plan and the other is not: the other says something more ("... only
  // the ones without reviewers") or in words the planner lacks; the two cannot be told apart, so no reuse.
  if ((a.planSignature === null) !== (b.planSignature === null)) return false;
  return (
    a.window === b.window &&
    a.understood === b.understood &&
    sameList(a.numbers, b.numbers) &&
    sameList(a.identifiers, b.identifiers) &&
    sameList(a.unread, b.unread)
  );
}

/**
 * The semantic cache's decision for a cached question and a new one: the same confident plan, or, when the planner
 * is unsure of both, embeddings within `threshold` and the same fingerprint.
 */
export function reusable(
  cached: QuestionFingerprint,
  asked: QuestionFingerprint,
  cosine: number,
  threshold: number,
): boolean {
  if (cached.planSignature !== null && asked.planSignature !== null)
    return cached.planSignature === asked.planSignature;
  return cosine >= threshold && sameStructure(cached, asked);
}
