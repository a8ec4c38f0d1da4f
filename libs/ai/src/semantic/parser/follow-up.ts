import type { LfFilter, LogicalForm, ParseResult } from './logical-form.types';

/** How a follow-up asks for its answer: the same kind as before, the records, or their number. */
export type FollowUpProjection = 'same' | 'rows' | 'count';

export interface FollowUpCue {
  /** The question starts like a follow-up ("and", "only", "what about", "show me those"...). */
  cued: boolean;
  /** The words left to parse as filters, grouping and time, with the cue words removed. */
  rest: string;
  projection: FollowUpProjection;
  /** "instead": the grouping replaces the previous one rather than adding to it. */
  replaceGroups: boolean;
  /** It counts a window from the previous answer's ("the month before"): not read, so refused. */
  relativeWindow: boolean;
}

const LEADING =
  /^(?:and|but|also|so|ok|okay|now|then|only|just|what about|how about|what if|same for|same but|same with|for|not|excluding|except|without|those|them|these|the ones)\b/;
/** "Show me those", "list them": the records of the previous answer. */
const ROWS =
  /^(?:(?:can you |please )?(?:show|list|give|display)(?: me)?(?: all)? (?:those|them|these|the ones|the list|the records|the items)|which ones|what are they|who are they)\b/;
const COUNT =
  /^(?:and )?(?:how many(?: of (?:those|them|these))?(?: are there| is that| were there)?|count (?:those|them|these)|the count|the number)\b/;
const REFERRING = /\b(?:ones|one)\b/g;
/** A window counted from the previous one ("the month before"): read alone it would count from today. */
const RELATIVE_TO_PREVIOUS =
  /\b(?:(?:the|that) (?:day|week|month|quarter|year|period) (?:before|after|prior)|(?:day|week|month|quarter|year|period) (?:before|after) that|(?:previous|preceding|prior|following|next|same) (?:one|period))\b/;

/** Reads the follow-up shape of a question: its cue, the projection it switches to, and what is left to parse. */
export function readFollowUpCue(question: string): FollowUpCue {
  let text = question
    .toLowerCase()
    .replace(/[?!.]+\s*$/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  let projection: FollowUpProjection = 'same';
  // Words that point back at the previous answer make a follow-up wherever they are.
  let cued = /\b(?:those|them|these|ones|instead)\b/.test(text);
  const rows = ROWS.exec(text);
  if (rows) {
    projection = 'rows';
    text = text.slice(rows[0].length).trim();
  } else {
    const count = COUNT.exec(text);
    if (count) {
      projection = 'count';
      text = text.slice(count[0].length).trim();
    }
  }
  // Cue words in front: "and only", "what about just"...
  for (let m = LEADING.exec(text); m; m = LEADING.exec(text)) {
    cued = true;
    // A leading "not"/"excluding" is the negation of the filter that follows: it stays to be parsed.
    if (/^(?:not|excluding|except|without)$/.test(m[0])) break;
    text = text.slice(m[0].length).replace(/^[,\s]+/, '');
  }
  // "break that down by X", "split those by X": the grouping of the previous answer.
  const split =
    /^(?:break|split|group)(?: (?:that|this|it|those|them|these))?(?: (?:down|up|out))?(?= by\b)/.exec(text);
  if (split) {
    cued = true;
    text = text.slice(split[0].length).trim();
  }
  // A bare year after "what about"/"and" is that year ("what about 2025?").
  if (cued && /^(?:19|20)\d\d$/.test(text)) text = `in ${text}`;
  const replaceGroups = /\binstead\b/.test(text);
  text = text
    .replace(/\binstead(?: of (?:that|this|it))?\b/g, ' ')
    .replace(REFERRING, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return { cued, rest: text, projection, replaceGroups, relativeWindow: RELATIVE_TO_PREVIOUS.test(text) };
}

/**
 * The previous logical form modified by a parsed fragment: filters on a field the fragment names replace the
 * previous ones of that field when both pick values ("just the bugs"), others are added; a window, grain, time
 * column or ranking in the fragment replaces the previous one; grouping is added ("and by assignee") or replaced
 * ("by status instead"); the projection switches when asked ("show me those", "how many").
 */
export function mergeFollowUp(
  prev: LogicalForm,
  fragment: LogicalForm | null,
  cue: FollowUpCue,
  defaultTime: string,
): ParseResult {
  const form: LogicalForm = structuredClone(prev);
  form.filters = form.filters.filter((f) => f.source !== 'ranking');
  if (cue.relativeWindow) return refused('a time window counted from the previous one is not read');
  if (fragment) {
    if (saysNothing(fragment, defaultTime))
      return refused('the follow-up says nothing that changes the question');
    if (fragment.entity !== prev.entity)
      return refused(`the follow-up is about other records (${fragment.entity})`);
    for (const f of fragment.filters.filter((x) => x.source !== 'ranking')) {
      const conflict = contradiction(form.filters, f);
      if (conflict) return refused(conflict);
      if (picksValues(f)) {
        form.filters = form.filters.filter((p) => !(p.column === f.column && picksValues(p)));
      }
      form.filters.push(f);
    }
    if (fragment.groups.length > 0) {
      form.groups = cue.replaceGroups
        ? fragment.groups
        : [...form.groups, ...fragment.groups.filter((g) => !form.groups.some((p) => p.dim === g.dim))];
    }
    if (fragment.window) form.window = fragment.window;
    if (fragment.time !== defaultTime) form.time = fragment.time;
    if (fragment.grain) form.grain = fragment.grain;
    if (fragment.order) {
      form.order = fragment.order;
      form.limit = fragment.limit;
    }
    for (const c of fragment.extraColumns) if (!form.extraColumns.includes(c)) form.extraColumns.push(c);
    // The fragment's own projection counts when it asked for one (a measure, "how many", a field's values).
    if (fragment.projection.kind !== 'rows' && cue.projection === 'same') {
      form.projection = fragment.projection;
    }
  }
  if (cue.projection === 'rows') {
    form.projection = { kind: 'rows' };
    form.groups = [];
    form.grain = null;
    if (form.order?.by === 'measure') {
      form.order = null;
      form.limit = null;
    }
  } else if (cue.projection === 'count') {
    form.projection = { kind: 'count' };
  }
  // Groups of records are counted: "open bugs" then "and by assignee?" is a number per assignee.
  if (form.projection.kind === 'rows' && (form.groups.length > 0 || form.grain)) {
    form.projection = { kind: 'count' };
  }
  if (
    (form.projection.kind === 'distinct' || form.projection.kind === 'lookup') &&
    (form.groups.length > 0 || form.grain)
  ) {
    return refused('a list of values cannot be grouped');
  }
  return { ok: true, form };
}

/** A filter that picks values of its field (a project, a type): a new one on the same field replaces it. */
function picksValues(f: LfFilter): boolean {
  return f.op === 'eq' || f.op === 'in';
}

/** Whether a parsed fragment says anything: words that all fell away as function words change nothing. */
export function saysNothing(fragment: LogicalForm, defaultTime: string): boolean {
  return (
    fragment.filters.length === 0 &&
    fragment.groups.length === 0 &&
    !fragment.window &&
    !fragment.grain &&
    !fragment.order &&
    fragment.time === defaultTime &&
    fragment.extraColumns.length === 0 &&
    fragment.projection.kind === 'rows'
  );
}

/** A fragment filter no record of the previous answer can meet: answering would be an empty, misleading result. */
function contradiction(filters: LfFilter[], f: LfFilter): string | null {
  if (!picksValues(f)) return null;
  for (const p of filters) {
    if (p.column !== f.column || p.op !== 'not_in') continue;
    if (f.values.every((v) => p.values.includes(v)))
      return `${f.column} ${f.values.join('/')} contradicts the earlier condition (${p.source})`;
  }
  return null;
}

function refused(reason: string): ParseResult {
  return {
    ok: false,
    refusal: { understood: '', unrecognized: [], reason, entity: null, suggestions: [], deliberate: true },
  };
}
