/**
 * What the bank's sections share: a builder that numbers questions, ground-truth helpers in plain JS over the
 * generated rows, and the everyday words people use for the data model's values.
 */
import { SeededRandom } from '@app/common';
import type { AnswerDataset, WorkItemRow } from './answer-dataset.generator';
import type { BankQuestion, Expectation, MeasureUnit, QuestionKind } from './answer-bank.types';
import { keyOf } from './answer.grader';

export const DAY = 86_400_000;
export const ms = (iso: string | null) => (iso === null ? NaN : Date.parse(iso));
/** Half-open [start, end). */
export const within = (iso: string | null, start: Date | number, end: Date | number) => {
  const t = ms(iso);
  return t >= +start && t < +end;
};
export const utc = (y: number, m: number, d = 1) => new Date(Date.UTC(y, m - 1, d));

export const TYPE_WORD: Record<WorkItemRow['type'], string> = {
  bug: 'bugs',
  story: 'stories',
  task: 'tasks',
  epic: 'epics',
  incident: 'incidents',
};
/** Words for "work items" that are not also a type ("tasks" is one). */
export const ITEM_WORDS = ['items', 'tickets', 'issues', 'work items'];
export const isOpen = (w: WorkItemRow) => w.status !== 'done' && w.status !== 'cancelled';
export const surname = (name: string) => name.split(' ').slice(-1)[0];
/** "Daniel Ward" → "Daniel Wrad": two inner letters of the surname swapped, as typed in a hurry. */
export function typo(name: string): string {
  const parts = name.split(' ');
  const last = parts[parts.length - 1];
  const i = Math.max(1, Math.floor(last.length / 2) - 1);
  parts[parts.length - 1] = last.slice(0, i) + last[i + 1] + last[i] + last.slice(i + 2);
  return parts.join(' ');
}

export const countOf = (n: number): Expectation => ({ shape: 'count', value: n });
export const listOf = (rows: { externalId: string }[]): Expectation => ({
  shape: 'list',
  ids: rows.map((r) => r.externalId),
});
export const distinctOf = (values: (string | null)[]): Expectation => ({
  shape: 'distinct',
  values: [...new Set(values.filter((v): v is string => v !== null))],
});

/** Rows grouped by one or more keys, counted (or measured by `measure` over each group's rows). */
export function groupsOf<T>(
  rows: T[],
  keys: ((r: T) => string | null)[],
  measure?: { of: (group: T[]) => number; unit: MeasureUnit },
): Expectation {
  const buckets = new Map<string, T[]>();
  for (const r of rows) {
    const k = keys.map((f) => keyOf(f(r))).join(' | ');
    buckets.set(k, [...(buckets.get(k) ?? []), r]);
  }
  const groups: Record<string, number> = {};
  for (const [k, g] of buckets) groups[k] = measure ? measure.of(g) : g.length;
  return { shape: 'groups', dims: keys.length, groups, unit: measure?.unit ?? 'count' };
}

/** The keys with the largest count (all of them when tied). */
export function argmaxOf(values: (string | null)[]): Expectation {
  const counts = new Map<string, number>();
  for (const v of values) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
  const best = Math.max(...counts.values());
  return { shape: 'argmax', keys: [...counts].filter(([, n]) => n === best).map(([k]) => k) };
}

export const dayOf = (iso: string) => iso.slice(0, 10);
export const monthOf = (iso: string) => `${iso.slice(0, 7)}-01`;
/** Monday of the ISO week, as PostgreSQL's date_trunc('week'). */
export function weekOf(iso: string): string {
  const d = new Date(`${iso.slice(0, 10)}T00:00:00.000Z`);
  return new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * DAY).toISOString().slice(0, 10);
}

export const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
/** percentile_cont: linear interpolation between the closest ranks. */
export function percentileCont(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * p;
  const lo = Math.floor(pos);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (pos - lo);
}
/** percentile_disc: the first value whose cumulative share reaches p. */
export function percentileDisc(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(p * s.length) - 1)];
}
export const hoursBetween = (a: string, b: string) => (ms(b) - ms(a)) / 3_600_000;

export interface BankContext {
  ds: AnswerDataset;
  now: Date;
  rnd: SeededRandom;
  tenant: 'a' | 'b';
}

/** Collects questions; each intent gets a number and each of its phrasings a letter. */
export class BankBuilder {
  readonly questions: BankQuestion[] = [];
  private readonly intents = new Map<QuestionKind, number>();

  constructor(private readonly ctx: BankContext) {}

  add(
    kind: QuestionKind,
    texts: string[],
    expect: Expectation | Expectation[],
    opts: { first?: string } = {},
  ): void {
    const n = (this.intents.get(kind) ?? 0) + 1;
    this.intents.set(kind, n);
    const expects = Array.isArray(expect) ? expect : [expect];
    // An empty list proves nothing (a parser that always answers "none" would pass it).
    if (expects.every((e) => e.shape === 'list' && e.ids.length === 0)) return;
    texts.forEach((text, i) => {
      this.questions.push({
        id: `${this.ctx.tenant}-${kind}-${String(n).padStart(3, '0')}${String.fromCharCode(97 + i)}`,
        kind,
        tenant: this.ctx.tenant,
        text: this.styled(text),
        ...(opts.first ? { first: opts.first } : {}),
        expect: expects,
      });
    });
  }

  /** `count` phrasings picked from `pool` (deterministic). */
  pick(pool: string[], count: number): string[] {
    const copy = [...pool];
    const out: string[] = [];
    while (out.length < count && copy.length > 0)
      out.push(copy.splice(Math.floor(this.ctx.rnd.next() * copy.length), 1)[0]);
    return out;
  }

  /** How people type: sometimes a capital first letter, sometimes a question mark, sometimes neither. */
  private styled(text: string): string {
    const r = this.ctx.rnd.next();
    let t = text.trim();
    if (r < 0.4) t = t.charAt(0).toUpperCase() + t.slice(1);
    if (
      !/[?.!]$/.test(t) &&
      this.ctx.rnd.next() < 0.35 &&
      /^(how|what|which|who|when|on which|in which|could|can|is|are|do|does)/i.test(t)
    )
      t += '?';
    return t;
  }
}
