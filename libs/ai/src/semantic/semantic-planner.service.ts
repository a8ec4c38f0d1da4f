import { Injectable } from '@nestjs/common';
import { ErrorCode } from '@app/common';
import { AppConfig } from '@app/config';
import type { PlanDimension, PlanFilter, PlanMeasure, PlanOptions, QueryPlan } from './query-plan.types';
import {
  escapeRegExp,
  freeTokens,
  normalizePhrase,
  normalizeQuestion,
  STOPWORDS,
  type NormalizedQuestion,
} from './question-text';
import type {
  Aggregation,
  ModelCondition,
  ModelEntity,
  ModelMeasure,
  SemanticModel,
  TimeGrain,
} from './semantic-model.schema';
import { NUMBER_WORD_PATTERN, numberOfWord } from './number-words';
import { SemanticModelService } from './semantic-model.service';
import { SemanticException } from './semantic.exception';
import { QuestionParser, type ContextReading } from './parser/question-parser';
import type { LogicalForm, ParseRefusal } from './parser/logical-form.types';
import { toQueryPlan } from './parser/plan-builder';
import { describeWindow, parseTimeExpressions, type TimeParse } from './time-window.parser';

/** One reading of a matched phrase. Entity-scoped readings only apply once that entity is chosen. */
type Interp =
  | { kind: 'entity'; entity: string }
  | {
      kind: 'value';
      entity: string;
      dimension: string;
      value: string;
      noun?: string;
      timeColumn?: string;
      aliasTemplate?: string;
    }
  | { kind: 'segment'; entity: string; segment: string }
  | { kind: 'timeColumn'; entity: string; column: string }
  | { kind: 'measure'; entity: string; measure: string; count: boolean }
  | { kind: 'dimension'; entity: string; dimension: string }
  | { kind: 'howLongVerb'; entity: string; measure: string }
  | { kind: 'freeValue'; entity: string; dimension: string; value: string; known: boolean }
  | { kind: 'roleValue'; role: 'person' | 'location'; value: string }
  | { kind: 'aggregation'; aggregation: Aggregation; percentile: number | null }
  | { kind: 'order'; direction: 'asc' | 'desc' }
  | { kind: 'who' }
  | { kind: 'groupCue' }
  | { kind: 'howLong' }
  | { kind: 'filler' }
  | { kind: 'topN'; n: number | null; direction: 'asc' | 'desc' };

interface Span {
  start: number;
  end: number;
  text: string;
  interps: Interp[];
  /** Found through the similarity callback rather than the model's phrases. */
  similar?: boolean;
}

interface PhraseEntry {
  phrase: string;
  interps: Interp[];
}

interface Draft {
  question: string;
  norm: NormalizedQuestion;
  now: Date;
  taken: boolean[];
  spans: Span[];
  time: TimeParse;
  destructive: boolean;
  leftovers: { text: string; start: number; end: number }[];
}

const GROUP_CUES = [
  'by',
  'per',
  'for each',
  'for every',
  'each',
  'every',
  'across',
  'grouped by',
  'group by',
  'broken down by',
  'break down by',
  'breakdown by',
  'split by',
  'bucketed by',
  'by each',
  'per each',
  'which',
  'what',
  'among',
];
const FILLERS = new Set([
  'the',
  'each',
  'every',
  'all',
  'their',
  'its',
  'of',
  'different',
  'individual',
  'a',
  'an',
  'our',
]);
const DEFAULT_TOP_N = 10;
const UNKNOWN_WORD_PENALTY = 0.35;
const DEFAULT_SIMILARITY_THRESHOLD = 0.75;
// An imperative that would change data, or SQL typed as a question: the semantic layer only reads.
const DESTRUCTIVE_START =
  /^(?:(?:please|pls|can you|could you|would you|go ahead and|now)\s+)*(?:delete|drop|truncate|insert|remove|alter|grant|revoke|erase|wipe|purge|overwrite|modify|rename|reassign|assign|reopen|create|update|close|cancel|kill|destroy|restart|approve)\b/;
const DESTRUCTIVE_ANYWHERE =
  /\b(?:drop\s+table|delete\s+from|insert\s+into|update\s+\S+\s+set|truncate\s+table|alter\s+table|grant\s+\w+\s+on)\b/;

function aliasSafe(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 63);
}

/** A list or a record asked for: the older planner would answer it with a count. */
const LIST_OR_RECORD = /\b(?:list|show|give|display|find|fetch|which|what are|get|return)\b/i;
const RECORD_ID = /[A-Za-z][\w.-]*(?:#|-)\d/;

function quote(v: string): string {
  return `'${v}'`;
}

/**
 * Maps a plain-language analytics question to a QueryPlan using the semantic model: which entity and measure,
 * which filters, group-by dimensions, time window and grain, ordering and top-N, with a confidence in [0,1] and an
 * explanation of what it understood. No LLM, no I/O (the optional similarity callback aside).
 */
@Injectable()
export class SemanticPlanner {
  readonly threshold: number;
  private readonly parser: QuestionParser;
  /** The entity the compositional parser answers alone (the model's first, work items). */
  private readonly parserEntity: string;
  private readonly model: SemanticModel;
  private readonly version: string;
  private readonly phraseRe: RegExp;
  private readonly phrases = new Map<string, Interp[]>();
  private readonly similarityEntries: PhraseEntry[];
  private exampleIndex: { question: string; entity: string | null; measure: string | null }[] = [];

  constructor(modelService: SemanticModelService, config: AppConfig) {
    this.model = modelService.model;
    this.version = modelService.version;
    this.threshold = config.query.semanticMinConfidence;
    this.parser = new QuestionParser(this.model);
    this.parserEntity = Object.keys(this.model.entities)[0];
    this.buildPhrases();
    const all = [...this.phrases.keys()].sort((a, b) => b.length - a.length);
    this.phraseRe = new RegExp(
      `(?<![\\p{L}\\p{N}_-])(?:${all.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}_-])`,
      'gu',
    );
    this.similarityEntries = [...this.phrases.entries()]
      .filter(([, interps]) => interps.some((i) => 'entity' in i))
      .map(([phrase, interps]) => ({ phrase, interps }));
    // Examples are indexed by what they ask, so suggestions can offer ones about the same measure.
    this.exampleIndex = this.model.examples.map((question) => {
      const plan = this.finish(this.analyze(question, new Date(), undefined), undefined);
      return { question, entity: plan.entity, measure: plan.measure?.key ?? null };
    });
  }

  /** Phrases the model knows, for pre-computing embeddings of the similarity candidates. */
  vocabulary(): string[] {
    return this.similarityEntries.map((e) => e.phrase);
  }

  /**
   * The compositional parser reads the question first; its refusal is final for its entity (work items), and for
   * the other entities the older heuristic reading may still answer measures it knows.
   */
  async plan(question: string, opts: PlanOptions = {}): Promise<QueryPlan> {
    const now = opts.now ?? new Date();
    const parsed = this.parser.parse(question, { now, knownValues: opts.knownValues });
    if (!parsed.ok && parsed.refusal.unrecognized.length > 0 && opts.similarity) {
      const rewritten = await this.rewriteBySimilarity(question, parsed.refusal.unrecognized, opts);
      if (rewritten) {
        const again = this.parser.parse(rewritten, { now, knownValues: opts.knownValues });
        if (again.ok) {
          const plan = toQueryPlan(this.model, this.version, question, again.form);
          return { ...plan, issues: [`read by similarity as "${rewritten}"`] };
        }
      }
    }
    if (parsed.ok) return toQueryPlan(this.model, this.version, question, parsed.form);
    const legacy = await this.heuristicPlan(question, opts);
    const owned = parsed.refusal.entity === this.parserEntity;
    // Only for named measures: read by the older planner, a list or a lookup became a count (wrong, not refused).
    const namedMeasure =
      legacy.measure && (legacy.measure.type !== 'count' || !!this.model.measures[legacy.measure.key]?.alias);
    const countAsked = !LIST_OR_RECORD.test(question);
    // A question the parser read completely and refused on purpose, or one naming a record, stays refused.
    const deliberate = parsed.refusal.deliberate;
    const namesRecord = RECORD_ID.test(question);
    if (
      legacy.answerable &&
      !owned &&
      !deliberate &&
      !namesRecord &&
      legacy.entity !== this.parserEntity &&
      (namedMeasure || countAsked)
    ) {
      return { ...legacy, understood: legacy.explanation };
    }
    const { refusal } = parsed;
    return {
      ...legacy,
      confidence: Math.min(legacy.confidence, refusal.unrecognized.length ? 0.5 : 0.6),
      answerable: false,
      explanation: refusal.understood
        ? `Understood: ${refusal.understood}; but ${refusal.reason}.`
        : `Not understood: ${refusal.reason}.`,
      understood: refusal.understood,
      unrecognized: refusal.unrecognized,
      issues: [refusal.reason],
      suggestions: [...new Set([...refusal.suggestions, ...legacy.suggestions])].slice(0, 5),
    };
  }

  /** The question with each unknown word replaced by the model phrase closest to it, or null when one has none. */
  private async rewriteBySimilarity(
    question: string,
    words: string[],
    opts: PlanOptions,
  ): Promise<string | null> {
    const candidates = this.vocabulary();
    const threshold = opts.similarityThreshold ?? DEFAULT_SIMILARITY_THRESHOLD;
    let out = question;
    for (const word of words) {
      const scores = await opts.similarity!(word, candidates);
      let best = -1;
      scores.forEach((s, i) => {
        if (s >= threshold && (best < 0 || s > scores[best])) best = i;
      });
      if (best < 0) return null;
      out = out.replace(new RegExp(`\\b${escapeRegExp(word)}\\b`, 'i'), candidates[best]);
    }
    return out;
  }

  private async heuristicPlan(question: string, opts: PlanOptions): Promise<QueryPlan> {
    const draft = this.analyze(question, opts.now ?? new Date(), opts.knownValues);
    if (opts.similarity && draft.leftovers.length > 0 && !draft.destructive) {
      await this.matchBySimilarity(
        draft,
        opts.similarity,
        opts.similarityThreshold ?? DEFAULT_SIMILARITY_THRESHOLD,
      );
    }
    return this.finish(draft, opts.knownValues);
  }

  /** A question asked after `prev` was answered: read alone, or as a follow-up merged into `prev`. */
  readInContext(question: string, prev: LogicalForm | null, opts: PlanOptions = {}): ContextReading {
    return this.parser.readInContext(question, prev, {
      now: opts.now ?? new Date(),
      knownValues: opts.knownValues,
    });
  }

  /** The plan of a logical form read already (a follow-up merged into the previous question). */
  planOf(question: string, form: LogicalForm): QueryPlan {
    return toQueryPlan(this.model, this.version, question, form);
  }

  /** The 422 of a follow-up that does not read: the words not understood, and what it was a follow-up to. */
  followUpRefused(refusal: ParseRefusal): SemanticException {
    const explanation = refusal.understood
      ? `Understood: ${refusal.understood}; but ${refusal.reason}.`
      : `Not understood: ${refusal.reason}.`;
    return new SemanticException(ErrorCode.CANNOT_ANSWER, `Cannot answer this question: ${explanation}`, {
      understood: refusal.understood,
      confidence: 0,
      entity: refusal.entity,
      unrecognized: refusal.unrecognized,
      issues: [refusal.reason],
      suggestions: refusal.suggestions,
    });
  }

  /** The 422 a caller returns when no other route can take a low-confidence question. */
  cannotAnswer(plan: QueryPlan): SemanticException {
    return new SemanticException(
      ErrorCode.CANNOT_ANSWER,
      `Cannot answer this question: ${plan.explanation}`,
      {
        understood: plan.understood ?? plan.explanation,
        confidence: plan.confidence,
        entity: plan.entity,
        measure: plan.measure?.key ?? null,
        dimensions: plan.dimensions.map((d) => d.key),
        window: plan.window,
        unrecognized: plan.unrecognized,
        issues: plan.issues,
        suggestions: plan.suggestions,
      },
    );
  }

  // ---------------------------------------------------------------- vocabulary

  private add(phrase: string, interp: Interp): void {
    const key = normalizePhrase(phrase);
    if (!key) return;
    const list = this.phrases.get(key) ?? [];
    list.push(interp);
    this.phrases.set(key, list);
  }

  private buildPhrases(): void {
    const m = this.model;
    for (const [ek, e] of Object.entries(m.entities)) {
      e.phrases.forEach((p) => this.add(p, { kind: 'entity', entity: ek }));
      for (const [col, tc] of Object.entries(e.timeColumns)) {
        tc.phrases.forEach((p) => this.add(p, { kind: 'timeColumn', entity: ek, column: col }));
      }
      for (const [dk, d] of Object.entries(e.dimensions)) {
        d.phrases.forEach((p) => this.add(p, { kind: 'dimension', entity: ek, dimension: dk }));
        for (const [vk, v] of Object.entries(d.values ?? {})) {
          const interp: Interp = {
            kind: 'value',
            entity: ek,
            dimension: dk,
            value: vk,
            noun: v.noun,
            timeColumn: v.timeColumn,
            aliasTemplate: v.aliasTemplate,
          };
          v.phrases.forEach((p) => this.add(p, interp));
        }
      }
      for (const [sk, s] of Object.entries(e.segments)) {
        s.phrases.forEach((p) => this.add(p, { kind: 'segment', entity: ek, segment: sk }));
      }
    }
    for (const [mk, me] of Object.entries(m.measures)) {
      me.phrases.forEach((p) =>
        // Only the plain count of an entity is "generic"; throughput and deployment frequency are named measures.
        this.add(p, {
          kind: 'measure',
          entity: me.entity,
          measure: mk,
          count: me.type === 'count' && !me.alias,
        }),
      );
      me.howLongVerbs.forEach((p) => this.add(p, { kind: 'howLongVerb', entity: me.entity, measure: mk }));
    }
    const v = m.vocabulary;
    for (const agg of ['avg', 'median', 'sum', 'min', 'max'] as const) {
      v.aggregations[agg].forEach((p) =>
        this.add(p, { kind: 'aggregation', aggregation: agg, percentile: agg === 'median' ? 0.5 : null }),
      );
    }
    v.descending.forEach((p) => this.add(p, { kind: 'order', direction: 'desc' }));
    v.ascending.forEach((p) => this.add(p, { kind: 'order', direction: 'asc' }));
    v.who.forEach((p) => this.add(p, { kind: 'who' }));
    v.fillers.forEach((p) => this.add(p, { kind: 'filler' }));
    GROUP_CUES.forEach((p) => this.add(p, { kind: 'groupCue' }));
    this.add('how long', { kind: 'howLong' });
  }

  // ---------------------------------------------------------------- analysis (no async)

  private analyze(question: string, now: Date, knownValues: PlanOptions['knownValues']): Draft {
    const norm = normalizeQuestion(question);
    const text = norm.text;
    const taken = new Array<boolean>(text.length).fill(false);
    const spans: Span[] = [];
    const isFree = (s: number, e: number) => taken.slice(s, e).every((t) => !t);
    const take = (s: number, e: number, interps: Interp[], similar = false) => {
      taken.fill(true, s, e);
      spans.push({ start: s, end: e, text: text.slice(s, e), interps, similar });
    };

    const destructive = DESTRUCTIVE_START.test(text) || DESTRUCTIVE_ANYWHERE.test(text);
    const time = parseTimeExpressions(text, now);
    for (const s of time.spans) taken.fill(true, s.start, s.end);

    // Ranking and percentiles first: "top 5", "3 slowest", "p90", "95th percentile".
    const scan = (re: RegExp, read: (m: RegExpExecArray) => Interp | null) => {
      re.lastIndex = 0;
      for (let m = re.exec(text); m; m = re.exec(text)) {
        const e = m.index + m[0].length;
        if (!isFree(m.index, e)) continue;
        const interp = read(m);
        if (interp) take(m.index, e, [interp]);
      }
    };
    const count = `(\\d{1,4}|${NUMBER_WORD_PATTERN})`;
    const countOf = (word: string) => numberOfWord(word) ?? Number(word);
    scan(new RegExp(`\\b(top|bottom)\\s+${count}\\b`, 'g'), (m) => ({
      kind: 'topN',
      n: countOf(m[2]),
      direction: m[1] === 'bottom' ? 'asc' : 'desc',
    }));
    const desc = this.model.vocabulary.descending.map(normalizePhrase);
    const asc = this.model.vocabulary.ascending.map(normalizePhrase);
    scan(new RegExp(`\\b${count}\\s+(${[...desc, ...asc].map(escapeRegExp).join('|')})\\b`, 'g'), (m) => ({
      kind: 'topN',
      n: countOf(m[1]),
      direction: desc.includes(m[2]) ? 'desc' : 'asc',
    }));
    scan(/\b(?:p(\d{1,2})|(\d{1,2})(?:st|nd|rd|th)?\s+percentile)\b/g, (m) => {
      const p = Number(m[1] ?? m[2]);
      if (p <= 0 || p >= 100) return null;
      return { kind: 'aggregation', aggregation: p === 50 ? 'median' : 'percentile', percentile: p / 100 };
    });

    // The tenant's own values ("alice", "payments-api") before the vocabulary, longest first.
    const byValue = new Map<string, Interp[]>();
    for (const [dim, values] of Object.entries(knownValues ?? {})) {
      for (const value of values ?? []) {
        const key = normalizePhrase(value);
        if (!key || STOPWORDS.has(key)) continue;
        const interps = byValue.get(key) ?? [];
        for (const [ek, e] of Object.entries(this.model.entities)) {
          if (e.dimensions[dim])
            interps.push({ kind: 'freeValue', entity: ek, dimension: dim, value, known: true });
        }
        if (interps.length > 0) byValue.set(key, interps);
      }
    }
    if (byValue.size > 0) {
      const keys = [...byValue.keys()].sort((a, b) => b.length - a.length);
      const re = new RegExp(
        `(?<![\\p{L}\\p{N}_-])(?:${keys.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}_-])`,
        'gu',
      );
      for (let m = re.exec(text); m; m = re.exec(text)) {
        const e = m.index + m[0].length;
        if (isFree(m.index, e)) take(m.index, e, [...(byValue.get(m[0]) ?? [])]);
      }
    }

    // Free-text values after a dimension's prefix: "assigned to alice", "labelled security".
    for (const [ek, e] of Object.entries(this.model.entities)) {
      for (const [dk, d] of Object.entries(e.dimensions)) {
        for (const prefix of d.valuePrefixes) {
          const p = normalizePhrase(prefix);
          const re = new RegExp(
            `(?<![\\p{L}\\p{N}_-])${escapeRegExp(p)}\\s+(?:the\\s+)?([\\p{L}\\p{N}_][\\p{L}\\p{N}_\\-./#@]*)`,
            'gu',
          );
          re.lastIndex = 0;
          for (let m = re.exec(text); m; m = re.exec(text)) {
            const start = m.index;
            const valueStart = start + m[0].length - m[1].length;
            const valueEnd = start + m[0].length;
            const word = m[1];
            if (STOPWORDS.has(word) || (this.phrases.has(word) && !/^__q\d+__$/.test(word))) continue;
            const existing = spans.find((s) => s.start === start && s.end === valueEnd);
            const value = this.valueText(norm, valueStart, valueEnd);
            const interp: Interp = { kind: 'freeValue', entity: ek, dimension: dk, value, known: false };
            if (existing) existing.interps.push(interp);
            else if (isFree(m.index, valueEnd)) take(m.index, valueEnd, [interp]);
          }
        }
      }
    }

    // The model's vocabulary, leftmost-longest.
    this.phraseRe.lastIndex = 0;
    for (let m = this.phraseRe.exec(text); m; m = this.phraseRe.exec(text)) {
      const s = m.index;
      const e = s + m[0].length;
      if (!isFree(s, e)) {
        // Retry just after the blocked start so a later phrase inside this match is still found.
        this.phraseRe.lastIndex = s + 1;
        continue;
      }
      take(s, e, [...(this.phrases.get(m[0]) ?? [])]);
    }

    // Sentence-shape guesses for names the model cannot know: "in payments-api" (a repository, service or
    // project), "closed by alice" (a person). Flagged, so they cost some confidence.
    const tokens = freeTokens(text, taken);
    for (const tok of tokens) {
      if (STOPWORDS.has(tok.text) && !/^__q\d+__$/.test(tok.text)) continue;
      const before = text.slice(0, tok.start).trimEnd();
      const prev = /(\S+)$/.exec(before)?.[1] ?? '';
      const original = this.valueText(norm, tok.start, tok.end);
      const quoted = /^__q\d+__$/.test(tok.text);
      const identifierLike =
        quoted ||
        /[-_/.]/.test(tok.text) ||
        (/\d/.test(tok.text) && /\p{L}/u.test(tok.text)) ||
        /^\p{Lu}{2,}$/u.test(original);
      if (['in', 'for', 'on', 'of', 'from', 'at', 'to', 'within'].includes(prev) && identifierLike) {
        take(tok.start, tok.end, [{ kind: 'roleValue', role: 'location', value: original }]);
      } else if (prev === 'by' && !/^\d+$/.test(tok.text)) {
        take(tok.start, tok.end, [{ kind: 'roleValue', role: 'person', value: original }]);
      }
    }

    spans.sort((a, b) => a.start - b.start);
    const leftovers = freeTokens(text, taken).filter((t) => !STOPWORDS.has(t.text));
    return { question, norm, now, taken, spans, time, destructive, leftovers };
  }

  /** The user's own spelling of a value (quoted text restored). */
  private valueText(norm: NormalizedQuestion, start: number, end: number): string {
    const raw = norm.original.slice(start, end);
    const q = /^__q(\d+)__$/.exec(raw);
    return q ? norm.quoted[Number(q[1])] : raw;
  }

  private async matchBySimilarity(
    draft: Draft,
    similarity: NonNullable<PlanOptions['similarity']>,
    threshold: number,
  ): Promise<void> {
    // Contiguous leftover words form one run ("mean time to close"); single words are tried when a run misses.
    const runs: { text: string; start: number; end: number }[][] = [];
    for (const tok of draft.leftovers) {
      const last = runs[runs.length - 1];
      const prev = last?.[last.length - 1];
      const gap = prev ? draft.norm.text.slice(prev.end, tok.start).trim() : '';
      if (prev && gap.split(/\s+/).every((w) => w === '' || STOPWORDS.has(w))) last.push(tok);
      else runs.push([tok]);
    }
    const candidates = this.similarityEntries.map((e) => e.phrase);
    const matched = new Set<number>();
    const tryText = async (toks: { text: string; start: number; end: number }[]) => {
      const text = toks.map((t) => t.text).join(' ');
      const scores = await similarity(text, candidates);
      let best = -Infinity;
      let bestIdx = -1;
      scores.forEach((s, i) => {
        if (s > best) {
          best = s;
          bestIdx = i;
        }
      });
      if (bestIdx < 0 || best < threshold) return false;
      const start = toks[0].start;
      const end = toks[toks.length - 1].end;
      draft.taken.fill(true, start, end);
      draft.spans.push({
        start,
        end,
        text: `${text} ≈ ${this.similarityEntries[bestIdx].phrase}`,
        interps: [...this.similarityEntries[bestIdx].interps],
        similar: true,
      });
      toks.forEach((t) => matched.add(t.start));
      return true;
    };
    for (const run of runs) {
      if (await tryText(run)) continue;
      if (run.length > 1) {
        for (const tok of run) await tryText([tok]);
      }
    }
    draft.spans.sort((a, b) => a.start - b.start);
    draft.leftovers = draft.leftovers.filter((t) => !matched.has(t.start));
  }

  // ---------------------------------------------------------------- decisions

  private finish(draft: Draft, knownValues: PlanOptions['knownValues']): QueryPlan {
    const issues: string[] = [];
    let confidence = 1;
    const penalize = (amount: number, why: string) => {
      confidence -= amount;
      issues.push(why);
    };
    const unrecognized = draft.leftovers.map((t) => this.valueText(draft.norm, t.start, t.end));
    const spans = draft.spans;
    const has = (kind: Interp['kind']) => spans.some((s) => s.interps.some((i) => i.kind === kind));
    const howLong = has('howLong');

    const base = this.emptyPlan(draft.question);
    if (draft.destructive) {
      return this.finalize(
        { ...base, confidence: 0, issues: ['the semantic layer only reads data; this asks to change it'] },
        [],
        'This asks to change data; questions can only read it.',
      );
    }

    // 1. The entity: the one that can read the most (and the strongest) phrases.
    const weight = (i: Interp): number => {
      switch (i.kind) {
        case 'entity':
          return 3;
        case 'value':
          return i.noun ? 3 : 1;
        case 'measure':
          return i.count ? 1 : 4;
        case 'howLongVerb':
          return howLong ? 2 : 0;
        case 'segment':
        case 'timeColumn':
        case 'dimension':
        case 'freeValue':
          return 1;
        case 'roleValue':
        case 'aggregation':
        case 'order':
        case 'who':
        case 'groupCue':
        case 'howLong':
        case 'filler':
        case 'topN':
          return 0;
      }
    };
    const scores = new Map<string, number>();
    for (const span of spans) {
      const best = new Map<string, number>();
      for (const i of span.interps) {
        if (!('entity' in i)) continue;
        best.set(i.entity, Math.max(best.get(i.entity) ?? 0, weight(i)));
      }
      for (const [e, w] of best) scores.set(e, (scores.get(e) ?? 0) + w);
    }
    let entity: string | null = null;
    let bestScore = 0;
    for (const ek of Object.keys(this.model.entities)) {
      const s = scores.get(ek) ?? 0;
      if (s > bestScore) {
        bestScore = s;
        entity = ek;
      }
    }
    if (!entity) {
      return this.finalize(
        {
          ...base,
          confidence: Math.min(0.1, confidence),
          issues: [...issues, 'no work items, pull requests or deployments were mentioned'],
        },
        unrecognized,
        'I did not find anything to count or measure in work items, pull requests or deployments.',
      );
    }
    const entityDef = this.model.entities[entity];
    const rivals = Object.keys(this.model.entities).filter(
      (ek) => ek !== entity && scores.get(ek) === bestScore,
    );
    if (rivals.length > 0) {
      penalize(
        0.4,
        `could be about ${[entity, ...rivals].map((ek) => this.model.entities[ek].label).join(' or ')}`,
      );
    }

    // 2. The measure: an explicit one, a "how long ... <verb>", or a count of the entity.
    const measureSpans = spans.filter((s) =>
      s.interps.some((i) => i.kind === 'measure' && i.entity === entity && !i.count),
    );
    let measureKey: string | null = null;
    const explicit = [
      ...new Set(
        measureSpans.flatMap((s) =>
          s.interps.flatMap((i) =>
            i.kind === 'measure' && i.entity === entity && !i.count ? [i.measure] : [],
          ),
        ),
      ),
    ];
    if (explicit.length > 0) {
      measureKey = explicit[0];
      if (explicit.length > 1)
        penalize(0.3, `several measures mentioned (${explicit.join(', ')}); used ${measureKey}`);
    }
    const usedSpans = new Set<Span>();
    if (!measureKey && howLong) {
      for (const s of spans) {
        const verb = s.interps.find((i) => i.kind === 'howLongVerb' && i.entity === entity);
        if (verb && verb.kind === 'howLongVerb') {
          measureKey = verb.measure;
          usedSpans.add(s);
          break;
        }
      }
      if (!measureKey) {
        const durations = Object.entries(this.model.measures).filter(
          ([, me]) => me.entity === entity && me.type === 'duration',
        );
        if (durations.length > 0) {
          measureKey = durations[0][0];
          penalize(0.3, `"how long" without a known verb; assumed ${durations[0][1].label}`);
        }
      }
    }
    const countMeasure = this.countMeasureOf(entity);
    measureKey ??= countMeasure ?? null;
    if (!measureKey) {
      return this.finalize(
        { ...base, entity, confidence: 0.1, issues: ['no measure'] },
        unrecognized,
        'No measure found.',
      );
    }
    const measureDef = this.model.measures[measureKey];
    const joined = measureDef.via ? this.model.relationships[measureDef.via] : undefined;
    const scope = joined ? [entity, joined.to.entity] : [entity];
    const inScope = (i: Interp) => !('entity' in i) || scope.includes(i.entity);
    const pick = (s: Span): Interp[] => {
      const main = s.interps.filter((i) => !('entity' in i) || i.entity === entity);
      const mainScoped = main.filter((i) => 'entity' in i);
      if (mainScoped.length > 0 || !joined) return main;
      return s.interps.filter(inScope);
    };

    // 3. Read every span in that scope.
    const filters: PlanFilter[] = [];
    const dims: PlanDimension[] = [];
    const aliasTemplates: string[] = [];
    const typeNouns = new Set<string>();
    let aggregation: { aggregation: Aggregation; percentile: number | null; phrase: string } | null = null;
    let timeColumnFromPhrase: { entity: string; column: string } | null = null;
    let timeColumnFromValue: { entity: string; column: string } | null = null;
    let order: 'asc' | 'desc' | null = null;
    let topN: number | null = null;
    let topWord = false;
    let who = false;
    let lastCueEnd = -1;
    const singular = /\b(?:which|what|who)\b/.test(draft.norm.text);

    const addFilter = (f: PlanFilter) => {
      const same = filters.find(
        (x) =>
          x.entity === f.entity &&
          x.column === f.column &&
          x.source !== 'rule' &&
          x.parameter === f.parameter,
      );
      if (same && (same.op === 'eq' || same.op === 'in') && (f.op === 'eq' || f.op === 'in')) {
        same.values = [...new Set([...same.values, ...f.values])];
        same.op = same.values.length > 1 ? 'in' : 'eq';
        same.source = `${same.source}, ${f.source}`;
        return;
      }
      filters.push(f);
    };
    /** An equality filter on one dimension (containment for array columns); returns the dimension for messages. */
    const addValueFilter = (
      ek: string,
      dk: string,
      value: string,
      how: Pick<PlanFilter, 'parameter' | 'caseInsensitive' | 'source'>,
    ) => {
      const dim = this.model.entities[ek].dimensions[dk];
      addFilter({
        entity: ek,
        column: dim.column,
        op: dim.array ? 'contains' : 'eq',
        values: [value],
        parameter: how.parameter,
        caseInsensitive: how.caseInsensitive,
        source: how.source,
      });
      return dim;
    };
    const addDimension = (ek: string, dk: string) => {
      if (dims.some((d) => d.entity === ek && d.key === dk)) return;
      const d = this.model.entities[ek].dimensions[dk];
      dims.push({ entity: ek, key: dk, column: d.column, array: d.array, alias: aliasSafe(d.label) });
    };
    const gapIsFiller = (from: number, to: number) =>
      draft.norm.text
        .slice(from, to)
        .split(/\s+/)
        .every((w) => w === '' || FILLERS.has(w));

    for (const span of spans) {
      if (usedSpans.has(span)) continue;
      if (span.similar) penalize(0.1, `read "${span.text}" by similarity`);
      const interps = pick(span);
      if (interps.length === 0) {
        const strong = span.interps.some((i) => weight(i) >= 3);
        const others = [...new Set(span.interps.flatMap((i) => ('entity' in i ? [i.entity] : [])))];
        penalize(
          strong ? 0.45 : 0.2,
          `"${span.text}" refers to ${others.map((o) => this.model.entities[o].label).join('/')}, not ${entityDef.label}`,
        );
        unrecognized.push(span.text);
        continue;
      }
      const cued = lastCueEnd >= 0 && gapIsFiller(lastCueEnd, span.start);
      const kinds = new Set(interps.map((i) => i.kind));
      // A phrase with several readings in scope ("closed": a status and a "how long" verb) uses the most specific.
      const i =
        interps.find((x) => x.kind === 'freeValue') ??
        interps.find((x) => x.kind === 'value') ??
        interps.find((x) => x.kind === 'segment') ??
        interps.find((x) => x.kind === 'measure') ??
        interps.find((x) => x.kind === 'entity') ??
        interps.find((x) => x.kind === 'dimension') ??
        interps[0];
      switch (i.kind) {
        case 'entity':
          break;
        case 'value': {
          addValueFilter(i.entity, i.dimension, i.value, {
            parameter: false,
            caseInsensitive: false,
            source: span.text,
          });
          if (i.noun && i.dimension === 'type') typeNouns.add(i.noun);
          if (i.aliasTemplate) aliasTemplates.push(i.aliasTemplate);
          if (i.timeColumn) timeColumnFromValue ??= { entity: i.entity, column: i.timeColumn };
          break;
        }
        case 'segment': {
          const seg = this.model.entities[i.entity].segments[i.segment];
          for (const c of seg.where) {
            filters.push(this.conditionFilter(i.entity, c, span.text));
          }
          if (seg.aliasTemplate) aliasTemplates.push(seg.aliasTemplate);
          if (seg.timeColumn) timeColumnFromValue ??= { entity: i.entity, column: seg.timeColumn };
          break;
        }
        case 'timeColumn':
          if (timeColumnFromPhrase && timeColumnFromPhrase.column !== i.column) {
            penalize(0.2, `two different times mentioned; used ${timeColumnFromPhrase.column}`);
          } else timeColumnFromPhrase = { entity: i.entity, column: i.column };
          break;
        case 'measure':
          // Count words ("how many") and the chosen measure's own phrases.
          if (!i.count && i.measure !== measureKey && i.entity === entity) {
            penalize(0.2, `also mentions ${this.model.measures[i.measure].label}`);
          }
          break;
        case 'dimension':
          addDimension(i.entity, i.dimension);
          if (!cued && !kinds.has('groupCue')) {
            penalize(0.1, `read "${span.text}" as a grouping`);
          }
          break;
        case 'howLongVerb':
          // A verb that only matters after "how long" ("merge" in "PRs I merge") says nothing here.
          if (!howLong) unrecognized.push(span.text);
          break;
        case 'freeValue': {
          const dim = addValueFilter(i.entity, i.dimension, i.value, {
            parameter: true,
            caseInsensitive: !i.known,
            source: span.text,
          });
          if (!i.known) penalize(0.05, `"${i.value}" taken as ${dim.label} without checking it exists`);
          break;
        }
        case 'roleValue': {
          const dk = i.role === 'person' ? entityDef.personDimension : entityDef.locationDimension;
          const known = dk
            ? knownValues?.[dk]?.some((v) => v.toLowerCase() === i.value.toLowerCase())
            : false;
          if (!dk) {
            penalize(
              0.3,
              `"${i.value}": ${entityDef.label} have no ${i.role === 'person' ? 'person' : 'place'} to match it to`,
            );
            unrecognized.push(i.value);
            break;
          }
          const dim = addValueFilter(entity, dk, i.value, {
            parameter: true,
            caseInsensitive: !known,
            source: span.text,
          });
          if (!known) penalize(0.1, `guessed that "${i.value}" is a ${dim.label}`);
          break;
        }
        case 'aggregation':
          if (aggregation && aggregation.aggregation !== i.aggregation) {
            penalize(0.2, `both ${aggregation.phrase} and ${span.text}; used ${aggregation.phrase}`);
          } else aggregation ??= { aggregation: i.aggregation, percentile: i.percentile, phrase: span.text };
          break;
        case 'order':
          order ??= i.direction;
          if (span.text === 'top') {
            topWord = true;
            lastCueEnd = span.end;
          }
          break;
        case 'topN':
          topN = i.n;
          order = i.direction;
          lastCueEnd = span.end;
          break;
        case 'who':
          who = true;
          lastCueEnd = span.end;
          break;
        case 'groupCue':
          lastCueEnd = span.end;
          break;
        case 'howLong':
        case 'filler':
          break;
      }
    }
    if (howLong && measureDef.type !== 'duration') {
      penalize(0.3, `"how long" but ${measureDef.label} is not a duration`);
    }

    // "who" groups by the entity's person.
    if (who) {
      const pd = entityDef.personDimension;
      if (pd) addDimension(entity, pd);
      else penalize(0.4, `${entityDef.label} have no person to answer "who"`);
    }

    // 4. Aggregation.
    let planAgg: PlanMeasure['aggregation'];
    let percentile: number | null = null;
    const hasGrouping =
      dims.length > 0 || draft.time.grain !== null || draft.time.trend || !!measureDef.defaultGrain;
    switch (measureDef.type) {
      case 'count':
        planAgg = 'count';
        if (aggregation && aggregation.aggregation !== 'sum') {
          penalize(0.2, `"${aggregation.phrase}" of a count is not supported`);
        }
        break;
      case 'ratio':
        planAgg = 'ratio';
        if (aggregation && aggregation.aggregation !== 'avg')
          penalize(0.2, `"${aggregation.phrase}" of a rate is not supported`);
        break;
      case 'number':
      case 'duration': {
        let chosen: Aggregation = measureDef.defaultAggregation;
        if (aggregation) {
          if (measureDef.aggregations.includes(aggregation.aggregation)) {
            chosen = aggregation.aggregation;
            percentile = aggregation.percentile;
          } else {
            penalize(0.2, `${aggregation.phrase} is not available for ${measureDef.label}`);
          }
        } else if (order && !hasGrouping && !topN) {
          // "longest cycle time" with nothing to rank: the maximum (or minimum).
          chosen = order === 'desc' ? 'max' : 'min';
          order = null;
        }
        planAgg = chosen;
        if (chosen === 'median') percentile = 0.5;
        break;
      }
    }
    if (measureDef.type === 'count' && order && !hasGrouping) {
      penalize(0.2, 'a ranking word without anything to rank');
      order = null;
    }

    // 5. Business rules of the measure (an overridable one yields to the question's own filter).
    for (const rule of this.model.rules) {
      if (!rule.measures.includes(measureKey)) continue;
      for (const c of rule.where) {
        if (rule.overridable && filters.some((f) => f.entity === entity && f.column === c.column)) continue;
        filters.push(this.conditionFilter(entity, c, `rule:${rule.id}`));
      }
    }
    this.checkContradictions(filters, penalize);
    const seen = new Set<string>();
    for (let k = filters.length - 1; k >= 0; k -= 1) {
      const f = filters[k];
      const key = JSON.stringify([f.entity, f.column, f.op, f.values, f.parameter]);
      if (seen.has(key)) filters.splice(k, 1);
      seen.add(key);
    }

    // 6. Time: window, grain, and which column they apply to.
    const grain: TimeGrain | null =
      draft.time.grain ??
      (draft.time.trend || measureDef.defaultGrain ? (measureDef.defaultGrain ?? 'week') : null);
    if (draft.time.windowCount > 1) penalize(0.4, 'more than one time window');
    if (draft.time.approximate) penalize(0.1, 'a date read loosely');
    const timeCol = timeColumnFromPhrase ??
      (measureDef.timeColumn ? { entity, column: measureDef.timeColumn } : null) ??
      timeColumnFromValue ?? { entity, column: entityDef.defaultTimeColumn };
    const window = draft.time.window
      ? {
          start: draft.time.window.start?.toISOString() ?? null,
          end: draft.time.window.end?.toISOString() ?? null,
          label: draft.time.window.label,
        }
      : null;
    const timeUsed = window !== null || grain !== null;
    const time = timeUsed
      ? {
          ...timeCol,
          label: this.model.entities[timeCol.entity].timeColumns[timeCol.column]?.label ?? timeCol.column,
        }
      : null;

    // 7. Ordering and top-N.
    let planOrder: QueryPlan['order'] = null;
    let limit: number | null = null;
    const ranked = topN !== null || topWord || order !== null;
    if (ranked && (dims.length > 0 || grain)) {
      planOrder = { by: 'measure', direction: order ?? 'desc' };
      limit = topN ?? (topWord ? DEFAULT_TOP_N : singular ? 1 : null);
      if (dims.length > 0 && grain)
        penalize(0.3, 'a ranking within each period is not supported; ranked all rows');
    } else if (topN !== null) {
      penalize(0.3, `"top ${topN}" without anything to rank`);
    } else if (grain) {
      planOrder = { by: 'time', direction: 'asc' };
    } else if (dims.length > 0) {
      planOrder = { by: 'measure', direction: 'desc' };
    }
    if (limit !== null) {
      // Rankings are of real people/repositories: drop the "no assignee" group.
      for (const d of dims) {
        filters.push({
          entity: d.entity,
          column: d.column,
          op: 'not_null',
          values: [],
          parameter: false,
          caseInsensitive: false,
          source: 'ranking',
        });
      }
    }

    // 8. Names.
    const measure = this.describeMeasure(
      measureKey,
      measureDef,
      planAgg,
      percentile,
      entityDef,
      typeNouns,
      aliasTemplates,
    );
    for (const d of dims) {
      if (d.alias === measure.alias) d.alias = `${d.alias}_value`;
    }

    // One word the model cannot place is enough to leave the question to a route that reads all of it.
    for (const word of draft.leftovers) penalize(UNKNOWN_WORD_PENALTY, `did not understand "${word.text}"`);

    const plan: QueryPlan = {
      ...base,
      entity,
      joins: measureDef.via ? [measureDef.via] : [],
      measure,
      dimensions: dims,
      filters,
      time,
      window,
      grain,
      order: planOrder,
      limit,
      confidence,
      issues,
    };
    return this.finalize(plan, unrecognized, null);
  }

  /** The plain "how many" measure of an entity. */
  private countMeasureOf(entity: string): string | undefined {
    return Object.entries(this.model.measures).find(
      ([, me]) => me.entity === entity && me.type === 'count' && !me.alias,
    )?.[0];
  }

  private conditionFilter(entity: string, c: ModelCondition, source: string): PlanFilter {
    return {
      entity,
      column: c.column,
      op: c.op,
      values: c.values ?? [],
      parameter: false,
      caseInsensitive: false,
      source,
    };
  }

  private checkContradictions(filters: PlanFilter[], penalize: (n: number, why: string) => void): void {
    for (const a of filters) {
      for (const b of filters) {
        if (a === b || a.entity !== b.entity || a.column !== b.column || a.parameter || b.parameter) continue;
        const aIn = a.op === 'eq' || a.op === 'in';
        if (aIn && b.op === 'not_in' && a.values.every((v) => b.values.includes(v))) {
          penalize(0.4, `${a.column} cannot be both ${a.values.join('/')} and not ${b.values.join('/')}`);
          return;
        }
        if (aIn && (b.op === 'eq' || b.op === 'in') && !a.values.some((v) => b.values.includes(v))) {
          penalize(0.4, `${a.column} cannot be both ${a.values.join('/')} and ${b.values.join('/')}`);
          return;
        }
      }
    }
  }

  private describeMeasure(
    key: string,
    m: ModelMeasure,
    aggregation: PlanMeasure['aggregation'],
    percentile: number | null,
    entity: ModelEntity,
    typeNouns: Set<string>,
    templates: string[],
  ): PlanMeasure {
    let alias: string;
    let label: string;
    switch (m.type) {
      case 'count': {
        if (m.alias) alias = m.alias;
        else {
          const noun = typeNouns.size === 1 ? [...typeNouns][0] : entity.noun;
          alias = templates.reduce((acc, t) => t.replace('{noun}', acc), noun);
        }
        label = m.label;
        break;
      }
      case 'ratio':
        alias = m.alias ?? key;
        label = m.label;
        break;
      case 'number':
      case 'duration': {
        const prefix =
          aggregation === 'percentile' && percentile !== null
            ? `p${Math.round(percentile * 100)}`
            : aggregation === 'sum'
              ? 'total'
              : aggregation;
        const unit = m.unit && !key.endsWith(m.unit) ? `_${m.unit}` : '';
        alias = `${prefix}_${m.alias ?? key}${unit}`;
        const aggWord =
          aggregation === 'percentile'
            ? `p${Math.round((percentile ?? 0) * 100)}`
            : aggregation === 'avg'
              ? 'average'
              : aggregation === 'sum'
                ? 'total'
                : aggregation;
        label = `${aggWord} ${m.label}${m.unit ? ` (${m.unit})` : ''}`;
        break;
      }
    }
    return {
      key,
      entity: m.entity,
      type: m.type,
      aggregation,
      percentile: aggregation === 'percentile' || aggregation === 'median' ? percentile : null,
      alias: aliasSafe(alias),
      label,
    };
  }

  private emptyPlan(question: string): QueryPlan {
    return {
      question,
      modelVersion: this.version,
      entity: null,
      joins: [],
      measure: null,
      dimensions: [],
      filters: [],
      time: null,
      window: null,
      grain: null,
      order: null,
      limit: null,
      confidence: 0,
      answerable: false,
      explanation: '',
      unrecognized: [],
      issues: [],
      suggestions: [],
    };
  }

  private finalize(plan: QueryPlan, unrecognized: string[], summary: string | null): QueryPlan {
    const confidence = Math.round(Math.min(1, Math.max(0, plan.confidence)) * 100) / 100;
    const out: QueryPlan = {
      ...plan,
      confidence,
      answerable: confidence >= this.threshold && plan.measure !== null,
      unrecognized: [...new Set(unrecognized)],
    };
    out.explanation = summary ?? this.explain(out);
    if (unrecognized.length > 0)
      out.explanation += ` Did not understand: ${out.unrecognized.map((u) => `"${u}"`).join(', ')}.`;
    out.suggestions = this.suggest(out);
    return out;
  }

  private explain(p: QueryPlan): string {
    if (!p.measure || !p.entity) return 'Nothing understood.';
    const parts: string[] = [];
    const e = this.model.entities[p.entity];
    parts.push(
      p.measure.type === 'count' && p.measure.key === this.countMeasureOf(p.entity)
        ? `count of ${e.label}`
        : `${p.measure.label} of ${e.label}`,
    );
    const asked = p.filters.filter((f) => !f.source.startsWith('rule:') && f.source !== 'ranking');
    if (asked.length > 0) parts.push(`where ${asked.map((f) => this.describeFilter(f)).join(' and ')}`);
    const rules = [
      ...new Set(p.filters.filter((f) => f.source.startsWith('rule:')).map((f) => f.source.slice(5))),
    ];
    if (rules.length > 0) {
      parts.push(
        `rules: ${rules.map((r) => this.model.rules.find((x) => x.id === r)?.description ?? r).join(' ')}`.replace(
          /\.$/,
          '',
        ),
      );
    }
    if (p.window && p.time) {
      parts.push(
        `${p.time.label} (${p.time.column}) ${/^(since|after|before)\b/.test(p.window.label) ? '' : 'in '}${describeWindow(
          {
            start: p.window.start ? new Date(p.window.start) : null,
            end: p.window.end ? new Date(p.window.end) : null,
            label: p.window.label,
          },
        )} UTC`,
      );
    } else parts.push('over all time');
    if (p.grain && p.time) parts.push(`per ${p.grain} of ${p.time.column}`);
    if (p.dimensions.length > 0) parts.push(`grouped by ${p.dimensions.map((d) => d.alias).join(', ')}`);
    if (p.order?.by === 'measure' && p.limit !== null) {
      parts.push(
        `${p.limit === 1 ? 'the' : `top ${p.limit}`} ${p.order.direction === 'desc' ? 'highest' : 'lowest'} first`,
      );
    }
    return `Understood: ${parts.join('; ')}.`;
  }

  private describeFilter(f: PlanFilter): string {
    const vals = f.values.map(quote).join(', ');
    switch (f.op) {
      case 'eq':
        return `${f.column} = ${vals}`;
      case 'in':
        return `${f.column} in (${vals})`;
      case 'not_in':
        return `${f.column} not in (${vals})`;
      case 'is_null':
        return `${f.column} is empty`;
      case 'not_null':
        return `${f.column} is set`;
      case 'contains':
        return `${f.column} contains ${vals}`;
      case 'is_empty':
        return `${f.column} is empty`;
      case 'not_empty':
        return `${f.column} is not empty`;
      case 'lt':
        return `${f.column} before ${vals}`;
      case 'gte':
        return `${f.column} on or after ${vals}`;
      case 'text_contains':
        return `${f.column} mentions ${vals}`;
    }
  }

  private suggest(p: QueryPlan): string[] {
    const out: string[] = [];
    if (p.measure && p.entity && p.confidence < 1) {
      const canonical = this.canonicalQuestion(p);
      if (canonical) out.push(canonical);
    }
    const same = this.exampleIndex.filter((x) => p.measure && x.measure === p.measure.key);
    const sameEntity = this.exampleIndex.filter((x) => p.entity && x.entity === p.entity);
    for (const x of [...same, ...sameEntity, ...this.exampleIndex]) {
      if (out.length >= 3) break;
      if (!out.includes(x.question) && x.question !== p.question) out.push(x.question);
    }
    return out;
  }

  /** The model's own words for a filter, and whether they read before the noun ("open bugs", "bugs resolved"). */
  private filterWords(f: PlanFilter): { text: string; after: boolean } | null {
    const e = this.model.entities[f.entity];
    if (f.parameter) return { text: `for "${f.values.join('", "')}"`, after: true };
    if ((f.op === 'eq' || f.op === 'contains') && f.values.length === 1) {
      for (const d of Object.values(e.dimensions)) {
        const v = d.column === f.column ? d.values?.[f.values[0]] : undefined;
        if (v?.phrases[0])
          return { text: v.phrases[0], after: v.aliasTemplate?.startsWith('{noun}') ?? false };
      }
    }
    for (const seg of Object.values(e.segments)) {
      const c = seg.where[0];
      if (
        seg.where.length === 1 &&
        c.column === f.column &&
        c.op === f.op &&
        (c.values ?? []).join() === f.values.join()
      ) {
        return { text: seg.phrases[0], after: false };
      }
    }
    return null;
  }

  /** The plan said back as a question the planner reads with full confidence. */
  private canonicalQuestion(p: QueryPlan): string | null {
    if (!p.measure || !p.entity) return null;
    const m = this.model.measures[p.measure.key];
    const asked = p.filters.filter((f) => !f.source.startsWith('rule:') && f.source !== 'ranking');
    const words = asked.map((f) => ({ f, w: this.filterWords(f) }));
    const before = words.filter((x) => x.w && !x.w.after && x.f.column !== 'type').map((x) => x.w!.text);
    const after = words.filter((x) => x.w?.after).map((x) => x.w!.text);
    const typeWord = words.find((x) => x.f.column === 'type' && x.w)?.w?.text;
    const noun = typeWord
      ? (this.model.entities[p.entity].dimensions.type?.values?.[
          asked.find((f) => f.column === 'type')!.values[0]
        ]?.noun ?? typeWord)
      : this.model.entities[p.entity].label;
    const out: string[] = [];
    if (m.type === 'count' && !m.alias) {
      out.push('How many', ...before, noun.replace(/_/g, ' '), ...after);
      const impliedTime = asked.some((f) =>
        Object.values(this.model.entities[f.entity].dimensions).some(
          (d) => d.column === f.column && f.values.some((v) => d.values?.[v]?.timeColumn === p.time?.column),
        ),
      );
      if (p.window && p.time && !impliedTime) out.push(p.time.label);
    } else {
      const agg = p.measure.aggregation;
      const aggWord =
        agg === 'percentile'
          ? `p${Math.round((p.measure.percentile ?? 0) * 100)}`
          : agg === 'avg'
            ? 'Average'
            : agg === 'median'
              ? 'Median'
              : agg === 'sum'
                ? 'Total'
                : agg === 'min' || agg === 'max'
                  ? agg
                  : '';
      out.push(`${aggWord} ${m.phrases[0] ?? p.measure.key.replace(/_/g, ' ')}`.trim());
      if (before.length + after.length > 0 || typeWord)
        out.push('for', ...before, typeWord ? noun : '', ...after);
    }
    if (p.dimensions.length > 0) {
      out.push(
        'by',
        p.dimensions
          .map((d) => this.model.entities[d.entity].dimensions[d.key].phrases[0] ?? d.key)
          .join(' and '),
      );
    }
    if (p.grain) out.push(`per ${p.grain}`);
    if (p.window) {
      const l = p.window.label;
      out.push(
        /^(since|after|before|the |last|this|today|yesterday|year to|month to|week to|quarter to)/.test(l)
          ? l
          : `in ${l}`,
      );
    }
    const text = out.join(' ').replace(/\s+/g, ' ').trim();
    return text.charAt(0).toUpperCase() + text.slice(1) + (m.type === 'count' && !m.alias ? '?' : '');
  }
}
