import { numberOfWord } from '../number-words';
import { addUtc, MONTHS, parseTimeExpressions, startOfUtcDay, type TimeWindow } from '../time-window.parser';
import type { TimeGrain } from '../semantic-model.schema';
import { normalizePhraseWords, type Lex, type Lexicon } from './lexicon';
import { fuzzyName, type NamedValue } from './fuzzy-names';

/** One phrase of the question and its readings; `lex` is empty for a word nobody knows. */
export type Item =
  | { t: 'lex'; words: string; lex: Lex[] }
  | { t: 'id'; words: string; value: string }
  | { t: 'quoted'; words: string; value: string }
  | { t: 'window'; words: string; window: TimeWindow }
  | { t: 'age'; words: string; before: Date; label: string; verb: string | null }
  | { t: 'grain'; words: string; grain: TimeGrain }
  | { t: 'trend'; words: string }
  | { t: 'num'; words: string; n: number }
  /** "more than 8", ">= 8": a comparison with a number, of the numeric field next to it. */
  | { t: 'cmp'; words: string; op: 'gt' | 'gte' | 'lt' | 'lte' | 'eq'; n: number }
  | { t: 'pct'; words: string; p: number }
  | { t: 'unknown'; words: string; original: string };

export interface Scan {
  items: Item[];
}

// Record ids: "PAY-123", "payments-api#12", "web-deploy-7" (which entity is the model's idPattern's call).
const ID_RE = /(?<![\w#.-])([A-Za-z][\w.-]*#\d+|[A-Za-z][\w.-]*-\d{1,7})(?![\w#-])/g;
const UNIT_DAYS: Record<string, ['day' | 'week' | 'month' | 'year', number]> = {
  day: ['day', 1],
  week: ['week', 1],
  month: ['month', 1],
  year: ['year', 1],
};
const NUM =
  '(\\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty|fifty|hundred)';
const AGE_RES: { re: RegExp; verbGroup: number | null; numGroup: number; unitGroup: number }[] = [
  {
    re: new RegExp(
      `\\b(?:(created|opened|filed|reported|raised|updated|modified|resolved|closed)\\s+)?(?:more|over|longer|earlier) than\\s+${NUM}\\s+(days?|weeks?|months?|years?)\\s+ago\\b`,
      'g',
    ),
    verbGroup: 1,
    numGroup: 2,
    unitGroup: 3,
  },
  {
    re: new RegExp(
      `\\b(?:that (?:are|were|is)\\s+|(?:are|is)\\s+)?(?:older than|aged over|aged more than|at least|over)\\s+${NUM}\\s+(days?|weeks?|months?|years?)(?:\\s+old)?\\b`,
      'g',
    ),
    verbGroup: null,
    numGroup: 1,
    unitGroup: 2,
  },
];

function countOf(word: string): number | null {
  if (/^\d+$/.test(word)) return Number(word);
  if (word === 'a' || word === 'an') return 1;
  return numberOfWord(word) ?? null;
}

/** Placeholders keep the scanned spans as single tokens through tokenisation. */
interface Slot {
  item: Item;
}

function replaceAll(
  text: string,
  re: RegExp,
  slot: (m: RegExpExecArray) => Item | null,
  slots: Slot[],
): string {
  let out = '';
  let last = 0;
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const item = slot(m);
    if (!item) continue;
    out += `${text.slice(last, m.index)} __s${slots.length}__ `;
    slots.push({ item });
    last = m.index + m[0].length;
  }
  return out + text.slice(last);
}

const CMP_OPS: Record<string, 'gt' | 'gte' | 'lt' | 'lte' | 'eq'> = {
  'more than': 'gt',
  'greater than': 'gt',
  'larger than': 'gt',
  'bigger than': 'gt',
  'higher than': 'gt',
  over: 'gt',
  above: 'gt',
  'at least': 'gte',
  'no less than': 'gte',
  'less than': 'lt',
  'fewer than': 'lt',
  'smaller than': 'lt',
  'lower than': 'lt',
  under: 'lt',
  below: 'lt',
  'at most': 'lte',
  'no more than': 'lte',
  exactly: 'eq',
};
const CMP_RE = new RegExp(
  `\\b(${Object.keys(CMP_OPS).join('|').replace(/ /g, '\\s+')})\\s+(\\d+(?:\\.\\d+)?)\\b(?!\\s*(?:%|percent|days?|weeks?|months?|years?|hours?|minutes?|quarters?)\\b)`,
  'g',
);

const CURRENT_STATE =
  /\b(?:right now|just now|as of (?:today|now|right now)|as things stand|at (?:the|this) (?:moment|time|point)|at present|presently|currently|as we speak|today s state)\b/g;

/** JQL terms in the words the lexicon knows (after the operators became "is" / "other than"). */
const JQL_TERMS: [RegExp, string][] = [
  [/\bstatus\s*category\s+(?:is not|other than)\s+(?:done|complete)\b/gi, ' unresolved '],
  [/\bstatus\s*category\s+is\s+(?:done|complete)\b/gi, ' resolved '],
  [/\bstatus\s*category\s+is\s+(?:to do|todo|new)\b/gi, ' status todo '],
  [/\bresolution\s+(?:is not|other than)\s+(?:empty|null|unresolved)\b/gi, ' resolved '],
  [/\bresolution\s+(?:is\s+)?(?:empty|null|unresolved)\b/gi, ' unresolved '],
  [/\b(\w+)\s+is\s+(?:empty|null)\b/gi, ' no $1 '],
  [/\blabels?\s+(?:contains?|includes?|has)\s+/gi, ' label '],
];

const MONTH = '(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\\.?';
const monthName = (m: string) => MONTHS.find((x) => x.startsWith(m.toLowerCase().slice(0, 3))) ?? m;
const pad = (n: string) => n.padStart(2, '0');

/** Date forms the window reader does not know, in forms it does (halves, month ranges, slashed dates). */
const DATE_FORMS: [RegExp, string | ((...m: string[]) => string)][] = [
  [
    /\b(?:the\s+)?(?:first|1st)\s+half\s+(?:of\s+)?(\d{4})\b|\bh1\s+(\d{4})\b/gi,
    (_m, a, b) => `between January 1 ${a ?? b} and June 30 ${a ?? b}`,
  ],
  [
    /\b(?:the\s+)?(?:second|2nd)\s+half\s+(?:of\s+)?(\d{4})\b|\bh2\s+(\d{4})\b/gi,
    (_m, a, b) => `between July 1 ${a ?? b} and December 31 ${a ?? b}`,
  ],
  [
    new RegExp(`\\b${MONTH}\\s*(?:–|—|-|to|through|thru|until)\\s*${MONTH}\\s+(\\d{4})\\b`, 'gi'),
    (_m, a, b, y) => `between ${monthName(a)} ${y} and ${monthName(b)} ${y}`,
  ],
  [/\bso far (this|in this)\s+(year|month|quarter|week)\b/gi, (_m, _t, u) => `this ${u}`],
  [
    /\b(?:during|within)\s+(?:the\s+)?(?:year\s+)?(\d{4})\b|\bthe year (\d{4})\b/gi,
    (_m, a, b) => `in ${a ?? b}`,
  ],
  [/\b(\d{4})\/(\d{1,2})\/(\d{1,2})\b/g, (_m, y, mo, d) => `${y}-${pad(mo)}-${pad(d)}`],
  // US month/day/year only when the day cannot be a month (07/25/2026); 05/06/2026 stays unread.
  [
    /\b(\d{1,2})\/(\d{1,2})\/(\d{4})\b/g,
    (m, mo, d, y) => (Number(d) > 12 && Number(mo) <= 12 ? `${y}-${pad(mo)}-${pad(d)}` : m),
  ],
];

/** Fields whose quoted value is text to search, not a value to match. */
const TEXT_FIELDS = /^(?:title|summary|text|description|name)$/i;

/**
 * JQL/SQL-style operators in words the grammar reads: `!=` is "not", `in (a, b)` is "a or b", and a quoted value
 * right after a field and its operator (`status = "In Review"`) is that field's value, not a title search.
 */
function operatorWords(q: string): string {
  let out = q
    .replace(/\b(not\s+in|in)\s*\(([^()]*)\)/gi, (_m, op: string, list: string) => {
      const values = list.split(',').map((v) =>
        v
          .trim()
          .replace(/^['"]|['"]$/g, '')
          .trim(),
      );
      return ` ${/^not/i.test(op) ? 'other than ' : ''}${values.filter(Boolean).join(' or ')} `;
    })
    .replace(/\s*(?:!=|<>)\s*/g, ' other than ')
    .replace(/\s*>=\s*/g, ' at least ')
    .replace(/\s*<=\s*/g, ' at most ')
    .replace(/\s*>\s*/g, ' more than ')
    .replace(/\s*<\s*/g, ' less than ')
    .replace(
      /\b(\w+)(\s*(?:=|\bis\b|\bnot\b|\bthan\b)\s*)(?:"([^"]+)"|'([^']+)')/gi,
      (m, field: string, op: string, dq: string | undefined, sq: string | undefined) =>
        TEXT_FIELDS.test(field) ? m : `${field}${op}${dq ?? sq}`,
    )
    .replace(/\s*(?<![<>!=])==?(?!=)\s*/g, ' is ')
    // "# of bugs" is their number; "High+Highest" either value.
    .replace(/(^|\s)#\s*of\b/g, '$1number of')
    .replace(/\b([a-z]+)\s*\+\s*([a-z]+)\b/gi, '$1 or $2');
  for (const [re, words] of JQL_TERMS) out = out.replace(re, words);
  for (const [re, words] of DATE_FORMS) out = out.replace(re, words as never);
  // "labels is not empty": has one (singular: "with an labels" would read as a grouping).
  out = out.replace(
    /\b(\w+)\s+(?:is not|other than)\s+(?:empty|null)\b/gi,
    (_m, field: string) => ` with an ${field.replace(/(?<![su])s$/i, '')} `,
  );
  return out;
}

function cleanText(q: string): string {
  return q
    .replace(/[’‘`´]/g, "'")
    .replace(/'s\b/g, '')
    .replace(/'/g, '')
    .replace(/\b(\w+)-(?=[a-z])/gi, '$1 ')
    .replace(/[^\p{L}\p{N}_#\s:-]+/gu, ' ')
    .replace(/(^|\s)[:-]+(?=\s|$)/g, ' ');
}

/**
 * Splits a question into readable pieces: record ids, quoted text, dates and ages (read first, so their words are
 * not read again), numbers, then the longest phrases the lexicon (or the tenant's values) knows.
 */
export function scanQuestion(
  question: string,
  lexicon: Lexicon,
  tenant: Map<string, Lex[]>,
  people: readonly NamedValue[],
  now: Date,
): Scan {
  const slots: Slot[] = [];
  let text = operatorWords(question.replace(/[“”]/g, '"'));
  text = replaceAll(text, /"([^"]+)"/g, (m) => ({ t: 'quoted', words: m[0], value: m[1].trim() }), slots);
  text = replaceAll(text, ID_RE, (m) => ({ t: 'id', words: m[0], value: m[1] }), slots);
  text = cleanText(text);
  text = replaceAll(
    text,
    /\b(?:p(\d{1,2})|(\d{1,2})(?:st|nd|rd|th)?\s+percentile)\b/gi,
    (m) => ({ t: 'pct', words: m[0], p: Number(m[1] ?? m[2]) / 100 }),
    slots,
  );
  const original = text;
  text = text.toLowerCase();
  // "open right now", "as of today": the records' current state, which every filter already reads, not a window.
  text = replaceAll(text, CURRENT_STATE, (m) => ({ t: 'lex', words: m[0], lex: [{ k: 'stop' }] }), slots);
  // Ages ("older than 30 days") before windows, which would read "30 days" otherwise.
  for (const { re, verbGroup, numGroup, unitGroup } of AGE_RES) {
    text = replaceAll(
      text,
      re,
      (m) => {
        const n = countOf(m[numGroup]);
        const unit = UNIT_DAYS[m[unitGroup].replace(/s$/, '')];
        if (n === null || !unit) return null;
        const before = addUtc(startOfUtcDay(now), unit[0], -n * unit[1]);
        return {
          t: 'age',
          words: m[0],
          before,
          label: `${n} ${m[unitGroup]} ago`,
          verb: verbGroup ? (m[verbGroup] ?? null) : null,
        };
      },
      slots,
    );
  }
  // Comparisons with a number that is not an amount of time (ages and windows are read above and below).
  text = replaceAll(
    text,
    CMP_RE,
    (m) => ({ t: 'cmp', words: m[0], op: CMP_OPS[m[1].replace(/\s+/g, ' ')], n: Number(m[2]) }),
    slots,
  );
  const time = parseTimeExpressions(text, now);
  const spans = [...time.spans].sort((a, b) => b.start - a.start);
  for (const s of spans) {
    const sub = text.slice(s.start, s.end);
    if (/__s\d+__/.test(sub)) continue;
    const single = parseTimeExpressions(sub, now);
    let item: Item | null = null;
    if (single.window) item = { t: 'window', words: sub, window: single.window };
    else if (single.grain) item = { t: 'grain', words: sub, grain: single.grain };
    else if (single.trend) item = { t: 'trend', words: sub };
    if (!item) continue;
    text = `${text.slice(0, s.start)} __s${slots.length}__ ${text.slice(s.end)}`;
    slots.push({ item });
  }
  void original;
  return { items: lexItems(text, question, slots, lexicon, tenant, people) };
}

function lexItems(
  text: string,
  question: string,
  slots: Slot[],
  lexicon: Lexicon,
  tenant: Map<string, Lex[]>,
  people: readonly NamedValue[],
): Item[] {
  const words = text
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => w.replace(/^[-:]+|[-:]+$/g, ''))
    .filter(Boolean);
  const capitalised = new Set((question.match(/\b[A-Z][\w-]*/g) ?? []).map((w) => normalizePhraseWords(w)));
  const items: Item[] = [];
  let tenantMax = 1;
  for (const k of tenant.keys()) tenantMax = Math.max(tenantMax, k.split(' ').length);
  for (let i = 0; i < words.length;) {
    const slot = /^__s(\d+)__$/.exec(words[i]);
    if (slot) {
      items.push(slots[Number(slot[1])].item);
      i += 1;
      continue;
    }
    let best: { n: number; lex: Lex[] } | null = null;
    const max = Math.max(lexicon.maxWords, tenantMax);
    for (let n = Math.min(max, words.length - i); n >= 1; n -= 1) {
      const seq = words.slice(i, i + n);
      if (seq.some((w) => /^__s\d+__$/.test(w))) continue;
      const phrase = normalizePhraseWords(seq.join(' '));
      const fromModel = lexicon.phrases.get(phrase) ?? [];
      let fromTenant = tenant.get(phrase) ?? [];
      // A tenant value spelled like a function word ("will", "us") counts only when capitalised.
      if (
        fromTenant.length &&
        fromModel.every((l) => l.k === 'stop') &&
        fromModel.length &&
        n === 1 &&
        !capitalised.has(phrase)
      ) {
        fromTenant = [];
      }
      const lex =
        fromTenant.length && fromModel.every((l) => l.k === 'stop')
          ? fromTenant
          : [...fromModel, ...fromTenant];
      if (lex.length) {
        best = { n, lex };
        break;
      }
    }
    if (best && best.n > 1) {
      // "maximum number of reviewers": when the phrase found swallows the start of a longer measure phrase
      // ("number of reviewers"), the measure wins and the phrase found shrinks to what is before it.
      const shorter = measureOverlap(words, i, best.n, lexicon);
      if (shorter) best = shorter;
    }
    if (best) {
      items.push({ t: 'lex', words: words.slice(i, i + best.n).join(' '), lex: best.lex });
      i += best.n;
      continue;
    }
    const n = countOf(words[i]);
    if (n !== null && /^\d+$|^[a-z]+$/.test(words[i])) {
      items.push({ t: 'num', words: words[i], n });
      i += 1;
      continue;
    }
    const person = fuzzyName(words.slice(i, i + 2), people);
    if (person) {
      items.push({ t: 'lex', words: words.slice(i, i + person.words).join(' '), lex: person.lex });
      i += person.words;
      continue;
    }
    items.push({ t: 'unknown', words: words[i], original: words[i] });
    i += 1;
  }
  return items;
}

/**
 * A shorter reading of the phrase at `i` (of `n` words) when a measure phrase starts inside it and ends after it;
 * null when there is none or the words before the measure mean nothing on their own.
 */
function measureOverlap(
  words: string[],
  i: number,
  n: number,
  lexicon: Lexicon,
): { n: number; lex: Lex[] } | null {
  const phraseAt = (from: number, len: number) =>
    lexicon.phrases.get(normalizePhraseWords(words.slice(from, from + len).join(' '))) ?? [];
  for (let j = i + 1; j < i + n; j += 1) {
    for (let m = Math.min(lexicon.maxWords, words.length - j); j + m > i + n; m -= 1) {
      if (words.slice(j, j + m).some((w) => /^__s\d+__$/.test(w))) continue;
      if (!phraseAt(j, m).some((l) => l.k === 'measure')) continue;
      const before = phraseAt(i, j - i);
      return before.length && before.some((l) => l.k !== 'stop') ? { n: j - i, lex: before } : null;
    }
  }
  return null;
}
