import type { ModelCondition, ModelEntity, SemanticModel, TimeGrain } from '../semantic-model.schema';
import type { Lex } from './lexicon';
import type { LfFilter, LogicalForm, ParseResult } from './logical-form.types';
import type { Item } from './question-scanner';

type LexOf<K extends Lex['k']> = Extract<Lex, { k: K }>;

/** Grammar state: the items, which are consumed, and the form being built. */
interface Ctx {
  model: SemanticModel;
  entityKey: string;
  entity: ModelEntity;
  items: Item[];
  used: boolean[];
  form: LogicalForm;
  /** Why the question must be refused even though every word was read. */
  problems: string[];
  /** Dimension named in the question but not yet given a role (filter marker, group, distinct, lookup). */
  countWanted: boolean;
  now: Date;
  /** The time window's date column was not named by a verb ("last month" alone: the entity's default date). */
  windowImplied?: boolean;
  /** Readings of a phrase in the model's lexicon. */
  phrase: (words: string) => Lex[];
}

const DESTRUCTIVE =
  /^(?:(?:please|pls|can you|could you|would you|go ahead and|now)\s+)*(?:delete|drop|truncate|insert|remove|alter|grant|revoke|erase|wipe|purge|overwrite|modify|rename|reassign|assign|reopen|create|update|close|cancel|kill|destroy|restart|approve)\b/i;

/** Words after "assigned to" that name no one in particular: never a person's name. */
const NOBODY =
  /^(?:me|myself|us|anyone|anybody|someone|somebody|everyone|everybody|nobody|none|noone|them|him|her)$/i;

function lexOf<K extends Lex['k']>(item: Item | undefined, k: K, entity?: string): LexOf<K> | undefined {
  if (!item || item.t !== 'lex') return undefined;
  return item.lex.find(
    (l): l is LexOf<K> => l.k === k && (!entity || !('entity' in l) || l.entity === entity),
  );
}

function isStop(item: Item | undefined): boolean {
  return !!item && item.t === 'lex' && item.lex.some((l) => l.k === 'stop');
}

function pureStop(item: Item): boolean {
  return item.t === 'lex' && item.lex.every((l) => l.k === 'stop');
}

/** Index of the next item after i that is not a plain function word (or -1). */
function nextContent(ctx: Ctx, i: number): number {
  for (let j = i + 1; j < ctx.items.length; j += 1) if (!pureStop(ctx.items[j])) return j;
  return -1;
}

function prevContent(ctx: Ctx, i: number): number {
  for (let j = i - 1; j >= 0; j -= 1) if (!pureStop(ctx.items[j])) return j;
  return -1;
}

/**
 * Picks the entity: the one named by a word that can only name an entity, else the one every entity-bound word
 * agrees on. Null when nothing in the question says which records it is about.
 */
export const ENTITY_CONFLICT = Symbol('entity conflict');

export function chooseEntity(model: SemanticModel, items: Item[]): string | null | typeof ENTITY_CONFLICT {
  const named = new Set<string>();
  const implied: Set<string>[] = [];
  /** Entities a word names as records where it could also be another entity's area ("for deployments"). */
  const recordsOverArea = new Set<string>();
  let strong = false;
  for (const it of items) {
    if (it.t === 'quoted') strong = true;
    if (it.t === 'id') {
      // A record id names the entities whose ids look like it.
      const ents = Object.entries(model.entities).filter(
        ([, e]) => e.idPattern && new RegExp(e.idPattern, 'i').test(it.value),
      );
      if (ents.length > 0) {
        strong = true;
        implied.push(new Set(ents.map(([k]) => k)));
      }
    }
    if (it.t !== 'lex') continue;
    const ents = new Set<string>();
    // A grammar word that is also one entity's prefix ("by": "PRs by Tom Becker") names no records by itself.
    const grammar = it.lex.some((l) => !('entity' in l) && l.k !== 'measure');
    for (const l of it.lex) {
      if (l.k === 'measure') ents.add(model.measures[l.measure].entity);
      else if (l.k === 'prefix' && grammar) continue;
      else if ('entity' in l && l.k !== 'known') ents.add(l.entity);
      if (
        l.k === 'entity' ||
        l.k === 'measure' ||
        l.k === 'segment' ||
        l.k === 'known' ||
        (l.k === 'value' && !l.bare)
      )
        strong = true;
    }
    if (it.lex.some((l) => l.k === 'segment')) {
      it.lex.forEach((l) => l.k === 'entity' && recordsOverArea.add(l.entity));
    }
    const onlyEntity = it.lex.every((l) => l.k === 'entity');
    if (onlyEntity) it.lex.forEach((l) => l.k === 'entity' && named.add(l.entity));
    else if (ents.size > 0) implied.push(ents);
  }
  if (named.size > 1) return ENTITY_CONFLICT;
  if (named.size === 1) {
    const [only] = named;
    return implied.every((set) => set.has(only)) ? only : ENTITY_CONFLICT;
  }
  const keys = Object.keys(model.entities);
  const fits = keys.filter((k) => implied.every((s) => s.has(k)));
  if (implied.length === 0) return null;
  if (fits.length === 1) return fits[0];
  if (fits.length === 0) return ENTITY_CONFLICT;
  const records = fits.filter((k) => recordsOverArea.has(k));
  if (records.length === 1) return records[0];
  // Words shared by several entities ("open"): the model's first entity (work items) when something is named.
  return strong && fits.includes(keys[0]) ? keys[0] : null;
}

function conditionFilters(conds: ModelCondition[], source: string): LfFilter[] {
  return conds.map((c) => ({ column: c.column, op: c.op, values: c.values ?? [], parameter: false, source }));
}

function negateCondition(c: LfFilter): LfFilter | null {
  const flip: Partial<Record<LfFilter['op'], LfFilter['op']>> = {
    eq: 'not_in',
    in: 'not_in',
    not_in: 'in',
    is_null: 'not_null',
    not_null: 'is_null',
    is_empty: 'not_empty',
    not_empty: 'is_empty',
    lt: 'gte',
    gte: 'lt',
  };
  const op = flip[c.op];
  return op ? { ...c, op } : null;
}

function addFilter(ctx: Ctx, filters: LfFilter[], negated: boolean, words: string): void {
  if (!negated) {
    ctx.form.filters.push(...filters);
    return;
  }
  if (filters.length !== 1) {
    ctx.problems.push(`"not ${words}" has no single opposite`);
    return;
  }
  const n = negateCondition(filters[0]);
  if (!n) ctx.problems.push(`"not ${words}" has no opposite`);
  else ctx.form.filters.push({ ...n, source: `not ${words}` });
}

/** Value filters, joined by "or"/"and"/"," when they share a field: `high or highest priority`. */
function readValues(ctx: Ctx): void {
  const { items, used, entityKey, entity } = ctx;
  for (let i = 0; i < items.length; i += 1) {
    if (used[i]) continue;
    const first = valueAt(ctx, i);
    if (!first) continue;
    const values = [first.value];
    const idx = [i];
    let j = i;
    for (;;) {
      const c = nextContent(ctx, j);
      if (c < 0 || used[c]) break;
      const conj = lexOf(items[c], 'or') ? 'or' : lexOf(items[c], 'and') ? 'and' : null;
      const k = conj ? nextContent(ctx, c) : -1;
      const next = k >= 0 && !used[k] ? valueAt(ctx, k, first.dim) : undefined;
      if (!conj || !next) {
        if (conj === 'or' && k >= 0 && !used[k] && valueAt(ctx, k)) {
          ctx.problems.push('"or" between different fields');
          used[c] = true;
        }
        break;
      }
      values.push(next.value);
      idx.push(c, k);
      j = k;
    }
    const bare = idx
      .filter((x) => !lexOf(items[x], 'and') && !lexOf(items[x], 'or'))
      .every((x) => valueAt(ctx, x)?.bare);
    const marker = fieldMarker(ctx, i, idx[idx.length - 1], first.dim);
    // A bare value name ("high") needs its field nearby ("priority high"), a non-bare partner, or to stand as an
    // adjective right before the records' noun ("Highest issues": the priority, not "the most issues").
    const last = idx[idx.length - 1];
    const nounAfter = lexOf(items[last + 1], 'entity', ctx.entityKey);
    if (bare && marker < 0 && !nounAfter) continue;
    idx.forEach((x) => (used[x] = true));
    if (marker >= 0) used[marker] = true;
    const neg = negationBefore(ctx, i);
    const dim = entity.dimensions[first.dim];
    const uniq = [...new Set(values)];
    const words = idx.map((x) => items[x].words).join(' ');
    const known = !!first.known;
    const filter: LfFilter = {
      column: dim.column,
      op: dim.array ? 'contains' : uniq.length === 1 ? 'eq' : 'in',
      values: uniq,
      parameter: known,
      exact: known,
      source: words,
    };
    if (neg && dim.array) {
      ctx.problems.push(`"not ${words}" on a list field`);
      continue;
    }
    addFilter(ctx, [filter], neg, words);
    void entityKey;
  }
}

interface ValueReading {
  dim: string;
  value: string;
  bare: boolean;
  /** A tenant value (bound as a parameter) rather than a value of the model. */
  known?: boolean;
}

function valueAt(ctx: Ctx, i: number, dim?: string): ValueReading | undefined {
  const it = ctx.items[i];
  if (!it || it.t !== 'lex') return undefined;
  const readings: ValueReading[] = [];
  for (const l of it.lex) {
    if (l.k === 'value' && l.entity === ctx.entityKey)
      readings.push({ dim: l.dim, value: l.value, bare: l.bare });
    if (l.k === 'known' && l.entity === ctx.entityKey)
      readings.push({ dim: l.dim, value: l.value, bare: false, known: true });
  }
  const fit = dim ? readings.filter((r) => r.dim === dim) : readings;
  if (fit.length === 0) return undefined;
  if (fit.length === 1) return fit[0];
  // "reporter = Daniel Ward": the field named right before the value decides which role a name plays.
  let before = prevContent(ctx, i);
  if (before >= 0 && lexOf(ctx.items[before], 'neg')) before = prevContent(ctx, before);
  const marked = before >= 0 ? lexOf(ctx.items[before], 'dim', ctx.entityKey)?.dim : undefined;
  const markedReading = fit.find((r) => r.dim === marked);
  if (markedReading) return markedReading;
  // A person named in several roles: the entity's person dimension ("alice's bugs" are assigned to alice).
  const person = ctx.entity.personDimension;
  const preferred =
    fit.find((r) => r.dim === person) ?? fit.find((r) => r.dim === ctx.entity.locationDimension);
  const dims = new Set(fit.map((r) => r.dim));
  if (preferred && !lexOf(ctx.items[prevContent(ctx, i)], 'prefix')) return preferred;
  return dims.size === 1 ? fit[0] : undefined;
}

/** The field's own name right before or after a value ("priority high", "status set to done"): index or -1. */
function fieldMarker(ctx: Ctx, from: number, to: number, dim: string): number {
  let before = prevContent(ctx, from);
  // "priority other than low": the field may stand before the negation.
  if (before >= 0 && lexOf(ctx.items[before], 'neg')) before = prevContent(ctx, before);
  if (before >= 0 && !ctx.used[before] && lexOf(ctx.items[before], 'dim', ctx.entityKey)?.dim === dim)
    return before;
  const after = nextContent(ctx, to);
  if (after >= 0 && !ctx.used[after] && lexOf(ctx.items[after], 'dim', ctx.entityKey)?.dim === dim)
    return after;
  return -1;
}

/** A "not"/"without"/"except" right before item i (function words between are skipped); consumes it. */
function negationBefore(ctx: Ctx, i: number): boolean {
  let p = prevContent(ctx, i);
  // "not with priority high": skip the field marker that may sit between.
  if (p >= 0 && ctx.used[p] && lexOf(ctx.items[p], 'dim')) p = prevContent(ctx, p);
  if (p >= 0 && lexOf(ctx.items[p], 'neg') && !ctx.used[p]) {
    ctx.used[p] = true;
    return true;
  }
  return false;
}

/** "assigned to alice or bob", "reported by Ward": a prefix and the value(s) after it. */
function readPrefixes(ctx: Ctx): void {
  const { items, used } = ctx;
  for (let i = 0; i < items.length; i += 1) {
    const p = lexOf(items[i], 'prefix', ctx.entityKey);
    if (!p || used[i]) continue;
    const values: string[] = [];
    const idx = [i];
    let free = false;
    let j = i;
    for (;;) {
      const k = nextContent(ctx, j);
      if (k < 0 || used[k]) break;
      const it = items[k];
      const known = valueAt(ctx, k, p.dim) ?? personValue(ctx, k);
      if (known) values.push(known.value);
      else if (it.t === 'unknown' && NOBODY.test(it.words)) {
        ctx.problems.push(`"${items[i].words} ${it.words}" names nobody in particular`);
        used[k] = true;
        break;
      } else if (it.t === 'unknown' && /^[\p{L}][\p{L}\p{N}._-]*$/u.test(it.words)) {
        values.push(it.words);
        free = true;
      } else break;
      idx.push(k);
      const c = nextContent(ctx, k);
      if (c >= 0 && (lexOf(items[c], 'or') || lexOf(items[c], 'and'))) {
        const after = nextContent(ctx, c);
        if (
          after >= 0 &&
          (valueAt(ctx, after, p.dim) ??
            personValue(ctx, after) ??
            (items[after].t === 'unknown' ? true : undefined))
        ) {
          idx.push(c);
          j = c;
          continue;
        }
      }
      break;
    }
    if (values.length === 0) continue;
    idx.forEach((x) => (used[x] = true));
    const dim = ctx.entity.dimensions[p.dim];
    const neg = negationBefore(ctx, i);
    const words = idx.map((x) => items[x].words).join(' ');
    const filter: LfFilter = {
      column: dim.column,
      op: dim.array ? 'contains' : values.length === 1 ? 'eq' : 'in',
      values,
      parameter: true,
      exact: !free,
      source: words,
    };
    if (neg && dim.array) ctx.problems.push(`"not ${words}" on a list field`);
    else addFilter(ctx, [filter], neg, words);
  }
}

/**
 * "issues carol created", "what did alice report": a person followed by the verb of a dimension's "<verb> by"
 * prefix is that dimension's value. Verb forms that mean something else ("open") do not count.
 */
function readPersonVerbs(ctx: Ctx): void {
  const { items, used, entity } = ctx;
  const verbs = new Map<string, string>();
  for (const [dk, d] of Object.entries(entity.dimensions)) {
    for (const p of d.valuePrefixes) {
      const m = /^(\w+) by$/.exec(p);
      if (!m) continue;
      const past = m[1];
      for (const form of [past, past.replace(/ed$/, ''), past.replace(/d$/, '')]) {
        const readings = ctx.phrase(form);
        if (readings.every((l) => l.k === 'timeVerb')) verbs.set(form, dk);
      }
    }
  }
  for (let i = 0; i < items.length; i += 1) {
    if (used[i]) continue;
    const n = nextContent(ctx, i);
    const dim = n >= 0 && !used[n] ? verbs.get(items[n].words) : undefined;
    if (!dim) continue;
    const v = valueAt(ctx, i, dim) ?? personValue(ctx, i);
    if (!v) continue;
    used[i] = true;
    used[n] = true;
    ctx.form.filters.push({
      column: entity.dimensions[dim].column,
      op: 'eq',
      values: [v.value],
      parameter: true,
      exact: true,
      source: `${items[i].words} ${items[n].words}`,
    });
  }
}

/** "without a label", "no assignee": the field is empty. */
function readMissing(ctx: Ctx): void {
  readPresent(ctx);
  const { items, used, entity } = ctx;
  for (let i = 0; i < items.length; i += 1) {
    if (used[i] || !lexOf(items[i], 'neg')) continue;
    const n = nextContent(ctx, i);
    const dim = n >= 0 && !used[n] ? lexOf(items[n], 'dim', ctx.entityKey) : undefined;
    const field = n >= 0 && !used[n] ? lexOf(items[n], 'field', ctx.entityKey) : undefined;
    if (!dim && field && field.column !== entity.idColumn) {
      // "no resolution date", "an empty resolution date".
      used[i] = true;
      used[n] = true;
      ctx.form.filters.push({
        column: field.column,
        op: 'is_null',
        values: [],
        parameter: false,
        source: `${items[i].words} ${items[n].words}`,
      });
      continue;
    }
    if (!dim) continue;
    const d = entity.dimensions[dim.dim];
    used[i] = true;
    used[n] = true;
    if (d.array)
      ctx.form.filters.push({
        column: d.column,
        op: 'is_empty',
        values: [],
        parameter: false,
        source: `${items[i].words} ${items[n].words}`,
      });
    else
      ctx.form.filters.push({
        column: d.column,
        op: 'is_null',
        values: [],
        parameter: false,
        source: `${items[i].words} ${items[n].words}`,
      });
  }
}

/** "with a label", "that have an assignee": the field is set (a list field has at least one value). */
function readPresent(ctx: Ctx): void {
  const { items, used, entity } = ctx;
  for (let n = 2; n < items.length; n += 1) {
    const dim = !used[n] ? lexOf(items[n], 'dim', ctx.entityKey) : undefined;
    if (!dim || !/^(?:a|an|any)$/.test(items[n - 1].words.toLowerCase())) continue;
    if (!/^(?:with|has|have|having)$/.test(items[n - 2].words.toLowerCase())) continue;
    const d = entity.dimensions[dim.dim];
    used[n] = true;
    ctx.form.filters.push({
      column: d.column,
      op: d.array ? 'not_empty' : 'not_null',
      values: [],
      parameter: false,
      source: `${items[n - 1].words} ${items[n].words}`,
    });
  }
}

/** A tenant value of another free-text dimension that names a person (people share one namespace). */
function personValue(ctx: Ctx, i: number): ValueReading | undefined {
  const it = ctx.items[i];
  if (!it || it.t !== 'lex') return undefined;
  const k = it.lex.find(
    (l) => l.k === 'known' && !ctx.entity.dimensions[l.dim]?.values && l.entity === ctx.entityKey,
  );
  if (!k || k.k !== 'known') return undefined;
  const person = ctx.entity.personDimension;
  return k.dim === person || /assignee|reporter|author|reviewer/.test(k.dim)
    ? { dim: k.dim, value: k.value, bare: false }
    : undefined;
}

function readSegments(ctx: Ctx): void {
  const { items, used } = ctx;
  for (let i = 0; i < items.length; i += 1) {
    const s = lexOf(items[i], 'segment', ctx.entityKey);
    if (!s || used[i]) continue;
    used[i] = true;
    const seg = ctx.entity.segments[s.segment];
    const neg = negationBefore(ctx, i);
    // "not resolved": the model may name the opposite segment itself ("not resolved" is open).
    const opposite = neg
      ? ctx.phrase(`not ${items[i].words}`).find((l) => l.k === 'segment' && l.entity === ctx.entityKey)
      : undefined;
    if (opposite && opposite.k === 'segment') {
      ctx.form.filters.push(
        ...conditionFilters(ctx.entity.segments[opposite.segment].where, `not ${items[i].words}`),
      );
    } else addFilter(ctx, conditionFilters(seg.where, items[i].words), neg, items[i].words);
  }
}

/** "mentioning checkout", `with "login" in the title`. */
function readText(ctx: Ctx): void {
  const { items, used, entity } = ctx;
  for (let i = 0; i < items.length; i += 1) {
    const it = items[i];
    if (it.t === 'quoted') {
      used[i] = true;
      const at = prevContent(ctx, i);
      const prefix = at >= 0 && !used[at] ? lexOf(items[at], 'prefix', ctx.entityKey) : undefined;
      if (prefix) {
        // 'in project "Payments"', 'reported by "Daniel Ward"': the quoted text is the field's value, as typed.
        used[at] = true;
        const dim = entity.dimensions[prefix.dim];
        const neg = negationBefore(ctx, at);
        const words = `${items[at].words} ${it.words}`;
        const filter: LfFilter = {
          column: dim.column,
          op: dim.array ? 'contains' : 'eq',
          values: [it.value],
          parameter: true,
          source: words,
        };
        if (neg && dim.array) ctx.problems.push(`"not ${words}" on a list field`);
        else addFilter(ctx, [filter], neg, words);
        continue;
      }
      if (!entity.textColumn) ctx.problems.push('no text to search');
      else
        ctx.form.filters.push({
          column: entity.textColumn,
          op: 'text_contains',
          values: [it.value],
          parameter: true,
          source: it.words,
        });
      const n = nextContent(ctx, i);
      const p = prevContent(ctx, i);
      for (const x of [n, p]) if (x >= 0 && lexOf(items[x], 'contains')) used[x] = true;
      continue;
    }
    if (!lexOf(it, 'contains') || used[i]) continue;
    const n = nextContent(ctx, i);
    const word = n >= 0 ? items[n] : undefined;
    if (word && word.t === 'unknown' && entity.textColumn) {
      used[i] = true;
      used[n] = true;
      const neg = negationBefore(ctx, i);
      if (neg) ctx.problems.push('"not mentioning"');
      else
        ctx.form.filters.push({
          column: entity.textColumn,
          op: 'text_contains',
          values: [word.words],
          parameter: true,
          source: `${it.words} ${word.words}`,
        });
    }
  }
}

/** Record ids ("PAY-123"): a filter on the entity's id column. */
function readIds(ctx: Ctx): string[] {
  const ids: string[] = [];
  ctx.items.forEach((it, i) => {
    if (it.t !== 'id') return;
    ctx.used[i] = true;
    ids.push(it.value);
  });
  if (ids.length && !ctx.entity.idColumn) ctx.problems.push('this entity has no record ids');
  if (ids.length && ctx.entity.idColumn) {
    ctx.form.filters.push({
      column: ctx.entity.idColumn,
      op: ids.length === 1 ? 'eq' : 'in',
      values: ids,
      // "pay-12" is PAY-12: ids compare case-insensitively.
      parameter: true,
      exact: false,
      source: ids.join(', '),
    });
  }
  return ids;
}

export {
  DESTRUCTIVE,
  isStop,
  lexOf,
  nextContent,
  prevContent,
  readIds,
  readMissing,
  readPersonVerbs,
  readPrefixes,
  readSegments,
  negationBefore,
  readText,
  readValues,
};
export type { Ctx };

export function newForm(entityKey: string, entity: ModelEntity): LogicalForm {
  return {
    entity: entityKey,
    projection: { kind: 'rows' },
    filters: [],
    groups: [],
    grain: null as TimeGrain | null,
    time: entity.defaultTimeColumn,
    window: null,
    order: null,
    limit: null,
    extraColumns: [],
  };
}

export type { ParseResult };
