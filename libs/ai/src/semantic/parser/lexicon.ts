import type { SemanticModel } from '../semantic-model.schema';
import type { Aggregation } from '../semantic-model.schema';

/** What a phrase of the question can mean. One phrase may have several readings; the grammar picks. */
export type Lex =
  | { k: 'entity'; entity: string }
  | { k: 'value'; entity: string; dim: string; value: string; timeColumn?: string; bare: boolean }
  | { k: 'known'; entity: string; dim: string; value: string }
  | { k: 'dim'; entity: string; dim: string }
  | { k: 'prefix'; entity: string; dim: string }
  | { k: 'segment'; entity: string; segment: string; timeColumn?: string }
  | { k: 'timeVerb'; entity: string; column: string }
  | { k: 'field'; entity: string; column: string }
  | { k: 'measure'; measure: string; count: boolean }
  | { k: 'agg'; agg: Aggregation }
  | { k: 'count' }
  | { k: 'list' }
  | { k: 'distinct' }
  | { k: 'neg' }
  | { k: 'or' }
  | { k: 'and' }
  | { k: 'by' }
  | { k: 'their' }
  | { k: 'most'; dir: 'desc' | 'asc' }
  | { k: 'recency'; dir: 'desc' | 'asc'; column: string | null }
  | { k: 'wh'; wh: 'who' | 'when' | 'which' | 'what' }
  | { k: 'contains' }
  | { k: 'bucket'; grain: 'day' | 'week' | 'month' | 'quarter' | 'year' }
  | { k: 'sort'; dir: 'asc' | 'desc' | null }
  | { k: 'stop' };

export type LexKind = Lex['k'];

export interface Lexicon {
  /** Normalised phrase (words joined by one space) → readings. */
  phrases: Map<string, Lex[]>;
  /** Longest phrase, in words. */
  maxWords: number;
}

/** Words that only glue a sentence together; consumed without meaning. */
const FUNCTION_WORDS =
  `a an the of in on at for to from with is are was were be been being do does did has have
  had having what whats how me my our ours we us i you your it its they them this that these those there here
  please can could would should will any some all currently now right just also ever overall so as into about
  theres shows showing lists tell see want need let lets know exist exists existing existed got kindly then
  where one ones set presently whats status's hey hi okay ok would like wanna among amongst belong belongs
  belonging yet used use current still actually really carrying values single took take takes taking`
    .split(/\s+/)
    .filter(Boolean);

/** Words with grammatical meaning shared by every entity. Lower case, normalised. */
const GRAMMAR: [string[], Lex][] = [
  [
    [
      'how many',
      'number of',
      'count of',
      'count',
      'counts',
      'total number of',
      'total count of',
      'tally of',
      'tally',
      'how much',
      'total',
      'totals',
      'amount of',
      'quantity of',
      'in total',
      'altogether',
      'counted',
    ],
    { k: 'count' },
  ],
  [
    [
      'list',
      'select',
      'show',
      'show me',
      'give me',
      'display',
      'find',
      'fetch',
      'get',
      'return',
      'enumerate',
      'what are',
      'pull up',
      'bring up',
      'look up',
      'search for',
      'search',
    ],
    { k: 'list' },
  ],
  [
    ['distinct', 'unique', 'different', 'various', 'possible', 'all the different', 'set of'],
    { k: 'distinct' },
  ],
  [
    [
      'not',
      'no',
      'non',
      'without',
      'except',
      'excluding',
      'exclude',
      'other than',
      'isnt',
      'arent',
      'wasnt',
      'werent',
      'is not',
      'are not',
      'was not',
      'were not',
      'doesnt',
      'dont',
      'havent',
      'hasnt',
      'hadnt',
      'has not',
      'have not',
      'didnt',
      'does not',
      'do not',
      'did not',
      'never',
      'not yet',
      'outside',
      'outside of',
      'empty',
      'blank',
      'missing',
      'neither',
      'nor',
      'apart from',
      'besides',
      'but not',
      'minus',
      'ignoring',
      'aside from',
      'anything but',
      'everything except',
    ],
    { k: 'neg' },
  ],
  [['or', 'and or'], { k: 'or' }],
  [['used by', 'used on', 'used in', 'in use', 'either', 'ended up', 'end up', 'wound up'], { k: 'stop' }],
  [['sorted by', 'ordered by', 'order by', 'sort by', 'sorted on', 'in order of'], { k: 'sort', dir: null }],
  [['descending', 'desc', 'newest first', 'latest first', 'highest first'], { k: 'sort', dir: 'desc' }],
  [['ascending', 'asc', 'oldest first', 'earliest first', 'lowest first'], { k: 'sort', dir: 'asc' }],
  [['and', 'as well as', 'plus', 'along with', 'together with', 'both'], { k: 'and' }],
  [
    [
      'by',
      'per',
      'for each',
      'for every',
      'each',
      'every',
      'grouped by',
      'group by',
      'broken down by',
      'break down by',
      'breakdown by',
      'split by',
      'across',
      'by each',
      'in each',
      'in every',
      'for all',
      'wise',
      'breakdown',
      'breakdown of',
      'distribution of',
      'distribution',
      'grouped',
      'group',
      'broken down',
      'distributed across',
      'distributed by',
      'distributed over',
      'spread across',
    ],
    { k: 'by' },
  ],
  [
    [
      'their',
      'its',
      'with their',
      'with its',
      'including',
      'along with their',
      'and their',
      'together with their',
      'alongside',
    ],
    { k: 'their' },
  ],
  [
    [
      'most',
      'the most',
      'highest number of',
      'largest number of',
      'greatest number of',
      'max number of',
      'maximum number of',
      'biggest number of',
      'most number of',
      'the highest number of',
      'the largest number of',
      'highest count of',
      'highest count',
      'the highest count',
      'largest count',
      'most of',
      'top',
      'most common',
      'the most common',
      'most frequent',
      'most popular',
      'most often',
      'most frequently',
      'busiest',
      'the busiest',
    ],
    { k: 'most', dir: 'desc' },
  ],
  [
    [
      'least',
      'fewest',
      'the least',
      'the fewest',
      'lowest number of',
      'smallest number of',
      'minimum number of',
      'lowest count of',
      'lowest count',
      'bottom',
      'least common',
      'the least common',
      'least frequent',
      'rarest',
    ],
    { k: 'most', dir: 'asc' },
  ],
  [
    [
      'latest',
      'newest',
      'most recent',
      'most recently',
      'recent',
      'recently',
      'last',
      'youngest',
      'most recently created',
      'newly',
      'the most recent',
      'the most recently',
      'the most recently created',
    ],
    { k: 'recency', dir: 'desc', column: null },
  ],
  [
    ['oldest', 'earliest', 'first', 'least recent', 'least recently'],
    { k: 'recency', dir: 'asc', column: null },
  ],
  [
    [
      'most recently updated',
      'recently updated',
      'last updated',
      'latest updated',
      'recently modified',
      'last modified',
      'recently changed',
    ],
    { k: 'recency', dir: 'desc', column: 'updated_at' },
  ],
  [['least recently updated'], { k: 'recency', dir: 'asc', column: 'updated_at' }],
  [
    [
      'recently resolved',
      'recently closed',
      'most recently resolved',
      'most recently closed',
      'last resolved',
      'last closed',
      'latest resolved',
      'latest closed',
    ],
    { k: 'recency', dir: 'desc', column: 'resolved_at' },
  ],
  [['who', 'whom', 'which person', 'which people', 'which persons'], { k: 'wh', wh: 'who' }],
  [['whose'], { k: 'stop' }],
  [
    ['when', 'what date', 'which date', 'what time', 'on what date', 'on which date', 'at what date'],
    { k: 'wh', wh: 'when' },
  ],
  [['which', 'what'], { k: 'wh', wh: 'which' }],
  [
    [
      'mentioning',
      'mention',
      'mentions',
      'containing',
      'contain',
      'contains',
      'that mention',
      'which mention',
      'with the word',
      'with the words',
      'with the text',
      'including the word',
      'titled',
      'named',
      'called',
      'whose title contains',
      'whose title mentions',
      'with title containing',
      'title containing',
      'title contains',
      'title mentions',
      'title mentioning',
      'in the title',
      'in their title',
      'in title',
      'in its title',
      'text',
      'word',
      'keyword',
      'phrase',
      'term',
      'matching',
    ],
    { k: 'contains' },
  ],
  [['day', 'days', 'date', 'dates', 'daily'], { k: 'bucket', grain: 'day' }],
  [['week', 'weeks', 'weekly'], { k: 'bucket', grain: 'week' }],
  [['month', 'months', 'monthly'], { k: 'bucket', grain: 'month' }],
  [['quarter', 'quarters', 'quarterly'], { k: 'bucket', grain: 'quarter' }],
  [['year', 'years', 'yearly', 'annually'], { k: 'bucket', grain: 'year' }],
];

/** Plain field names that are not dimensions: what a list shows and a lookup asks for. */
const FIELDS: Record<string, Record<string, string[]>> = {
  external_id: {
    _: [
      'id',
      'ids',
      'key',
      'keys',
      'issue key',
      'issue keys',
      'ticket id',
      'ticket ids',
      'issue id',
      'issue ids',
      'identifier',
      'identifiers',
      'external id',
      'external ids',
      'ticket number',
      'ticket numbers',
      'number',
      'numbers',
      'reference',
      'references',
    ],
  },
  title: { _: ['title', 'titles', 'summary', 'summaries', 'name', 'names', 'headline', 'subject'] },
  description: { _: ['description', 'descriptions', 'details', 'body'] },
  created_at: {
    _: [
      'created date',
      'creation date',
      'created time',
      'creation time',
      'date created',
      'created timestamp',
      'created at',
      'open date',
      'opened date',
      'date opened',
      'creation',
      'created on',
      'date of creation',
    ],
  },
  updated_at: {
    _: [
      'updated date',
      'last update',
      'date updated',
      'update date',
      'updated at',
      'last updated date',
      'modified date',
      'last modified date',
    ],
  },
  resolved_at: {
    _: [
      'resolved date',
      'resolution date',
      'resolution time',
      'date resolved',
      'resolved at',
      'closed date',
      'date closed',
      'close date',
      'resolved on',
      'closed on',
      'date of resolution',
    ],
  },
  merged_at: { _: ['merge date', 'merged date', 'date merged', 'merged at', 'merged on', 'date of merge'] },
  closed_at: { _: ['closed date', 'close date', 'date closed', 'closed at', 'closed on'] },
  started_at: { _: ['start time', 'start date', 'started at', 'started on', 'date started'] },
  finished_at: { _: ['finish time', 'end time', 'finished at', 'finished on', 'date finished', 'end date'] },
  additions: { _: ['additions', 'lines added', 'added lines'] },
  deletions: { _: ['deletions', 'lines deleted', 'lines removed', 'removed lines'] },
  story_points: {
    _: [
      'story points',
      'story point',
      'points',
      'story point estimate',
      'estimate',
      'estimation',
      'sp',
      'story point value',
    ],
  },
};

export function normalizePhraseWords(p: string): string {
  return p
    .toLowerCase()
    .replace(/[’‘`´']/g, '')
    .replace(/[^\p{L}\p{N}_#]+/gu, ' ')
    .trim();
}

function add(map: Map<string, Lex[]>, phrase: string, lex: Lex): void {
  const key = normalizePhraseWords(phrase);
  if (!key) return;
  const list = map.get(key) ?? [];
  if (!list.some((l) => JSON.stringify(l) === JSON.stringify(lex))) list.push(lex);
  map.set(key, list);
}

/** Words built from the semantic model: entities, fields, dimensions and their values, segments, measures. */
export function buildLexicon(model: SemanticModel): Lexicon {
  const phrases = new Map<string, Lex[]>();
  for (const w of FUNCTION_WORDS) add(phrases, w, { k: 'stop' });
  for (const [words, lex] of GRAMMAR) for (const w of words) add(phrases, w, lex);

  for (const [ek, e] of Object.entries(model.entities)) {
    e.phrases.forEach((p) => add(phrases, p, { k: 'entity', entity: ek }));
    for (const [col, tc] of Object.entries(e.timeColumns)) {
      [...tc.phrases, tc.label].forEach((p) => add(phrases, p, { k: 'timeVerb', entity: ek, column: col }));
    }
    for (const [col, byEntity] of Object.entries(FIELDS)) {
      if (!e.columns.includes(col)) continue;
      for (const p of byEntity._) add(phrases, p, { k: 'field', entity: ek, column: col });
    }
    for (const [dk, d] of Object.entries(e.dimensions)) {
      d.phrases.forEach((p) => {
        add(phrases, p, { k: 'dim', entity: ek, dim: dk });
        // "issue types" as well as "issue type".
        if (!p.endsWith('s') && p.includes(' ')) add(phrases, `${p}s`, { k: 'dim', entity: ek, dim: dk });
      });
      d.valuePrefixes.forEach((p) => add(phrases, p, { k: 'prefix', entity: ek, dim: dk }));
      for (const [vk, v] of Object.entries(d.values ?? {})) {
        const base = { k: 'value' as const, entity: ek, dim: dk, value: vk, timeColumn: v.timeColumn };
        v.phrases.forEach((p) => add(phrases, p, { ...base, bare: false }));
        // The value's own name ("high", "in progress") only means it next to its field ("priority high").
        add(phrases, vk.replace(/_/g, ' '), { ...base, bare: true });
      }
    }
    for (const [sk, s] of Object.entries(e.segments)) {
      s.phrases.forEach((p) =>
        add(phrases, p, { k: 'segment', entity: ek, segment: sk, timeColumn: s.timeColumn }),
      );
    }
  }
  // An area read with its preposition ("for deployments": the deployment insights) also still names the records
  // its noun names: "the busiest week for deployments" is about deployments, unless the question names insights.
  for (const [ek, e] of Object.entries(model.entities)) {
    for (const p of Object.values(e.segments).flatMap((s) => s.phrases)) {
      const [first, ...rest] = p.split(' ');
      if (rest.length === 0 || !FUNCTION_WORDS.includes(first)) continue;
      for (const l of phrases.get(rest.join(' ')) ?? []) {
        if (l.k === 'entity' && l.entity !== ek) add(phrases, p, l);
      }
    }
  }
  for (const [mk, m] of Object.entries(model.measures)) {
    const count = m.type === 'count' && !m.alias;
    // The plain count of an entity is the grammar's "count"; named measures are measures.
    if (!count) m.phrases.forEach((p) => add(phrases, p, { k: 'measure', measure: mk, count }));
  }
  const v = model.vocabulary;
  // "our team", "did we have": words that only say "all of us" are read and mean nothing.
  v.fillers.forEach((p) => add(phrases, p, { k: 'stop' }));
  // Superlatives rank groups ("slowest repo") or, without groups, pick the max/min of a measure.
  v.descending.forEach((p) => add(phrases, p, { k: 'most', dir: 'desc' }));
  v.ascending.forEach((p) => add(phrases, p, { k: 'most', dir: 'asc' }));
  for (const agg of ['avg', 'median', 'sum', 'min', 'max'] as const) {
    v.aggregations[agg].forEach((p) => add(phrases, p, { k: 'agg', agg }));
  }
  let maxWords = 1;
  for (const key of phrases.keys()) maxWords = Math.max(maxWords, key.split(' ').length);
  return { phrases, maxWords };
}

/** Tenant values (people, projects, labels...) as phrases, by the dimension they belong to. */
export function knownValueLexicon(
  model: SemanticModel,
  known: Partial<Record<string, readonly string[]>>,
): Map<string, Lex[]> {
  const out = new Map<string, Lex[]>();
  for (const [ek, e] of Object.entries(model.entities)) {
    for (const dk of Object.keys(e.dimensions)) {
      for (const value of known[dk] ?? []) add(out, value, { k: 'known', entity: ek, dim: dk, value });
    }
  }
  return out;
}
