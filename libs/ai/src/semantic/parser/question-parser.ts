import type { ModelEntity, SemanticModel } from '../semantic-model.schema';
import { joinedReading } from './joined-reading';
import { readComparisons } from './compare-reader';
import { buildLexicon, knownValueLexicon, type Lexicon } from './lexicon';
import type { NamedValue } from './fuzzy-names';
import {
  chooseEntity,
  DESTRUCTIVE,
  ENTITY_CONFLICT,
  isStop,
  lexOf,
  newForm,
  readIds,
  readMissing,
  readPersonVerbs,
  readPrefixes,
  readSegments,
  readText,
  readValues,
  type Ctx,
} from './question-grammar';
import { readProjection } from './question-intent';
import { bucketTime, readTime } from './time-reader';
import type { LogicalForm, ParseResult } from './logical-form.types';
import { scanQuestion, type Item } from './question-scanner';
import { restate } from './restatement';
import { mergeFollowUp, readFollowUpCue } from './follow-up';

export interface ParseOptions {
  now: Date;
  /** The tenant's values per dimension key (people, projects, labels...). */
  knownValues?: Partial<Record<string, readonly string[]>>;
  /** The records a fragment is about when it names none itself (a follow-up in a conversation). */
  entity?: string;
}

/** A question read in a conversation: on its own, or as a change to the previous answer's form. */
export type ContextReading =
  { followUp: false; result: ParseResult } | { followUp: true; result: ParseResult };

/** Free-text dimensions whose values are people: their names may be given loosely (first or last name, typos). */
const PERSON_DIMS = /assignee|reporter|author|reviewer/;

/**
 * The compositional question parser: scans the question into phrases the lexicon knows, reads filters, time,
 * grouping and the asked-for projection from them, and refuses when any content word is left unread.
 */
export class QuestionParser {
  private readonly lexicon: Lexicon;

  constructor(private readonly model: SemanticModel) {
    this.lexicon = buildLexicon(model);
  }

  /** The model's phrases that name something (records, fields, values, segments, measures), not grammar words. */
  vocabulary(): string[] {
    const naming = new Set(['entity', 'dim', 'value', 'segment', 'measure', 'timeVerb', 'field']);
    return [...this.lexicon.phrases.entries()]
      .filter(([, lex]) => lex.some((l) => naming.has(l.k)))
      .map(([phrase]) => phrase);
  }

  parse(question: string, opts: ParseOptions): ParseResult {
    const known = opts.knownValues ?? {};
    const tenant = knownValueLexicon(this.model, known);
    const people: NamedValue[] = [];
    for (const [value, lex] of this.peopleOf(known, tenant)) people.push({ value, lex });
    if (DESTRUCTIVE.test(question.trim())) {
      return refuse('', [], 'this asks to change data; questions can only read it', null);
    }
    let { items } = scanQuestion(question, this.lexicon, tenant, people, opts.now);
    let named = chooseEntity(this.model, items);
    let joinedEntity: ModelEntity | null = null;
    if (named === ENTITY_CONFLICT || named === null) {
      // "lead time for changes for bugs by project": a measure over a relationship, read with the joined fields.
      const joined = joinedReading(this.model, items);
      if (joined && chooseEntity(this.model, joined.items) === joined.entityKey) {
        ({ items } = joined);
        named = joined.entityKey;
        joinedEntity = joined.entity;
      }
    }
    const chosen = named === null && opts.entity ? opts.entity : named;
    const conflict = chosen === ENTITY_CONFLICT;
    // Several kinds of records: read it as the most-named one, only to say what was understood.
    const entityKey = conflict ? mostNamed(this.model, items) : chosen;
    const key = entityKey ?? Object.keys(this.model.entities)[0];
    const entity = joinedEntity ?? this.model.entities[key];
    const ctx: Ctx = {
      model: this.model,
      entityKey: key,
      entity,
      items,
      used: items.map((it) => isStop(it) && it.t === 'lex' && it.lex.every((l) => l.k === 'stop')),
      form: newForm(key, entity),
      problems: [],
      countWanted: false,
      now: opts.now,
      phrase: (words) => this.lexicon.phrases.get(words) ?? [],
    };
    if (comparesFields(ctx)) ctx.problems.push('it compares two fields with each other');
    const ids = readIds(ctx);
    readText(ctx);
    readComparisons(ctx);
    readPrefixes(ctx);
    readPersonVerbs(ctx);
    readTime(ctx);
    readMissing(ctx);
    readSegments(ctx);
    readValues(ctx);
    readProjection(ctx, ids);
    bucketTime(ctx);
    const never = contradiction(ctx.form);
    if (never) ctx.problems.push(never);
    // Words with a stop reading that nothing else claimed are function words after all; an "and" between two
    // conditions is the conjunction every condition already has.
    items.forEach((it, i) => {
      if (!ctx.used[i] && isStop(it)) ctx.used[i] = true;
      const andWord = it.t === 'lex' && it.lex.some((l) => l.k === 'and');
      if (!ctx.used[i] && andWord && ctx.used[i - 1] && ctx.used[i + 1] && ctx.form.filters.length >= 2)
        ctx.used[i] = true;
    });
    const unrecognized = items.filter((_, i) => !ctx.used[i]).map((it) => it.words);
    const understood = entityKey ? restate(this.model, ctx.form) : '';
    if (conflict) {
      const reason = 'the question mixes several kinds of records';
      return refuse(
        understood,
        unrecognized,
        unrecognized.length ? `${reason}: ${unrecognized.join(', ')}` : reason,
        null,
      );
    }
    if (unrecognized.length > 0) {
      const r = refuse(
        understood,
        unrecognized,
        `words not understood: ${unrecognized.join(', ')}`,
        entityKey,
        entityKey ? ctx.form : null,
      );
      if (!r.ok) {
        r.refusal.suggestions = this.suggest(question, unrecognized, opts);
        r.refusal.deliberate = ctx.problems.length > 0;
      }
      return r;
    }
    if (ctx.problems.length > 0) {
      const r = refuse(understood, [], ctx.problems.join('; '), entityKey, entityKey ? ctx.form : null);
      if (!r.ok) r.refusal.deliberate = true;
      return r;
    }
    if (!entityKey) {
      const kinds = Object.values(this.model.entities).map((e) => e.label);
      return refuse(understood, [], `it does not say which records: ${kinds.join(', ')}?`, null);
    }
    finish(ctx.form);
    return { ok: true, form: ctx.form };
  }

  /**
   * Reads a question asked after `prev` was answered. A question shaped like a follow-up ("and by assignee?",
   * "only high priority ones", "what about last month?"), or one naming no records that does not read alone, is
   * parsed as a fragment and merged into `prev`; a fragment with words left unread is refused like any question.
   */
  readInContext(question: string, prev: LogicalForm | null, opts: ParseOptions): ContextReading {
    const cue = readFollowUpCue(question);
    if (!cue.cued || !prev) {
      const alone = this.parse(question, opts);
      if (!prev || (!alone.ok && alone.refusal.deliberate)) return { followUp: false, result: alone };
      // Only filter, grouping or time words, or a question that names no records ("how many?"): a fragment.
      const namesNothing = !alone.ok && alone.refusal.entity === null;
      if (!namesNothing && this.hasSubject(question, opts)) return { followUp: false, result: alone };
    }
    const entity = this.model.entities[prev.entity];
    let fragment: LogicalForm | null = null;
    if (cue.rest) {
      const read = this.parse(cue.rest, { ...opts, entity: prev.entity });
      if (!read.ok) {
        const understood = restate(this.model, prev);
        return {
          followUp: true,
          result: { ok: false, refusal: { ...read.refusal, understood: `follow-up to: ${understood}` } },
        };
      }
      fragment = read.form;
    }
    const merged = mergeFollowUp(prev, fragment, cue, entity.defaultTimeColumn);
    if (!merged.ok) {
      merged.refusal.understood = `follow-up to: ${restate(this.model, prev)}`;
      merged.refusal.entity = prev.entity;
      return { followUp: true, result: merged };
    }
    finish(merged.form);
    return { followUp: true, result: merged };
  }

  /** Whether the question names its own records, measure or answer kind ("bugs", "cycle time", "how many", "list"). */
  private hasSubject(question: string, opts: ParseOptions): boolean {
    const tenant = knownValueLexicon(this.model, opts.knownValues ?? {});
    const { items } = scanQuestion(question, this.lexicon, tenant, [], opts.now);
    return items.some(
      (it) =>
        it.t === 'lex' &&
        it.lex.some(
          (l) =>
            l.k === 'entity' ||
            l.k === 'measure' ||
            l.k === 'count' ||
            l.k === 'list' ||
            l.k === 'wh' ||
            (l.k === 'value' && !!this.model.entities[l.entity].dimensions[l.dim]?.values?.[l.value]?.noun),
        ),
    );
  }

  /** The question without the words not understood, when that reads: the closest answerable restatement. */
  private suggest(question: string, unrecognized: string[], opts: ParseOptions): string[] {
    let rest = question;
    for (const w of unrecognized) rest = rest.replace(new RegExp(`\\b${escapeRegExp(w)}\\b`, 'i'), ' ');
    if (rest === question) return [];
    const again = this.parse(rest, opts);
    return again.ok ? [restate(this.model, again.form)] : [];
  }

  private peopleOf(
    known: Partial<Record<string, readonly string[]>>,
    tenant: ReturnType<typeof knownValueLexicon>,
  ) {
    const out = new Map<
      string,
      ReturnType<typeof knownValueLexicon> extends Map<string, infer L> ? L : never
    >();
    for (const [dim, values] of Object.entries(known)) {
      if (!PERSON_DIMS.test(dim)) continue;
      for (const v of values ?? []) {
        const lex = tenant.get(
          v
            .toLowerCase()
            .replace(/[^\p{L}\p{N}_#]+/gu, ' ')
            .trim(),
        );
        if (lex) out.set(v, lex);
      }
    }
    return out;
  }
}

/** Groups ranked for "which X has the most": an X, not the records without one. */
function finish(form: LogicalForm): void {
  if (form.order?.by === 'measure' && form.limit !== null) {
    for (const g of form.groups) {
      if (!form.filters.some((f) => f.column === g.column && f.op === 'not_null')) {
        form.filters.push({
          column: g.column,
          op: 'not_null',
          values: [],
          parameter: false,
          source: 'ranking',
        });
      }
    }
  }
}

/** Words that relate two fields: "assignee differs from reporter", "reporter is the same as the assignee". */
const COMPARING =
  /^(?:differs?|different|differing|same|equals?|equal|equally|matches|match|identical|unlike)$/;

/**
 * Two fields named with only "is"/"not"/"differs from" between them ("assignee != reporter") compare columns,
 * which no filter here does: refused, never read as a field being empty.
 */
function comparesFields(ctx: Ctx): boolean {
  const { items, entityKey } = ctx;
  const dimOf = (i: number) => lexOf(items[i], 'dim', entityKey)?.dim;
  for (let i = 0; i < items.length; i += 1) {
    const a = dimOf(i);
    if (!a) continue;
    let relating = false;
    for (let j = i + 1; j < items.length; j += 1) {
      const it = items[j];
      const b = dimOf(j);
      if (b) {
        if (relating && b !== a) return true;
        break;
      }
      const words = it.words.toLowerCase();
      if (lexOf(it, 'neg') || /^(?:is|are|was|were|=)$/.test(words) || COMPARING.test(words)) relating = true;
      else if (!isStop(it) && !/^(?:from|to|as|than|with)$/.test(words)) break;
    }
  }
  return false;
}

/**
 * Conditions on one field that no record can meet together ("status is done and status is not done", a field both
 * empty and set): a query that can never match is a misreading, so the question is refused instead.
 */
function contradiction(form: LogicalForm): string | null {
  const allowed = new Map<string, Set<string>>();
  const excluded = new Map<string, Set<string>>();
  const nulls = new Map<string, Set<string>>();
  for (const f of form.filters) {
    const vals = f.values.map((v) => v.toLowerCase());
    if (f.op === 'eq' || f.op === 'in') {
      const prev = allowed.get(f.column);
      allowed.set(f.column, new Set(prev ? vals.filter((v) => prev.has(v)) : vals));
    } else if (f.op === 'not_in') {
      const ex = excluded.get(f.column) ?? new Set<string>();
      for (const v of vals) ex.add(v);
      excluded.set(f.column, ex);
    }
    if (['is_null', 'not_null', 'is_empty', 'not_empty'].includes(f.op)) {
      const seen = nulls.get(f.column) ?? new Set<string>();
      seen.add(f.op);
      nulls.set(f.column, seen);
    }
  }
  for (const [column, vals] of allowed) {
    const ex = excluded.get(column);
    if ([...vals].every((v) => ex?.has(v))) return `the conditions on ${column} can never all hold`;
  }
  for (const [column, ops] of nulls) {
    const both = (ops.has('is_null') && ops.has('not_null')) || (ops.has('is_empty') && ops.has('not_empty'));
    if (both || (ops.has('is_null') && allowed.has(column)))
      return `the conditions on ${column} can never all hold`;
  }
  return null;
}

/** The entity most words of the question belong to (the model's order breaks ties). */
function mostNamed(model: SemanticModel, items: Item[]): string {
  const score = new Map<string, number>();
  for (const it of items) {
    if (it.t !== 'lex') continue;
    const ents = new Set<string>();
    for (const l of it.lex) {
      if (l.k === 'measure') ents.add(model.measures[l.measure].entity);
      else if ('entity' in l) ents.add(l.entity);
    }
    for (const e of ents) score.set(e, (score.get(e) ?? 0) + 1 / ents.size);
  }
  let best = Object.keys(model.entities)[0];
  for (const k of Object.keys(model.entities)) if ((score.get(k) ?? 0) > (score.get(best) ?? 0)) best = k;
  return best;
}

function refuse(
  understood: string,
  unrecognized: string[],
  reason: string,
  entity: string | null,
  form: LogicalForm | null = null,
): ParseResult {
  return {
    ok: false,
    refusal: { understood, unrecognized, reason, entity, suggestions: [], deliberate: false, form },
  };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
