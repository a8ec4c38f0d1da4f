/**
 * Text handling shared by the planner's matchers: one normalisation for questions and model phrases, so that
 * "PRs", "won't do" and "high-priority" match however they are typed.
 */

export interface NormalizedQuestion {
  /** Lower-cased, punctuation replaced by spaces; quoted values replaced by `__q<i>__` placeholders. */
  text: string;
  /** The same characters with their original case (same length as `text`). */
  original: string;
  /** Values the user quoted, in order. */
  quoted: string[];
}

function lowerSameLength(s: string): string {
  let out = '';
  for (const ch of s) {
    const low = ch.toLowerCase();
    out += low.length === ch.length ? low : ch;
  }
  return out;
}

function clean(s: string): string {
  return s
    .replace(/[’‘`´]/g, "'")
    .replace(/'s\b/g, '')
    .replace(/'/g, '')
    .replace(/\.(?=\s|$)/g, ' ')
    .replace(/[^\p{L}\p{N}_\-./#@\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export function normalizeQuestion(question: string): NormalizedQuestion {
  const quoted: string[] = [];
  const withPlaceholders = question.replace(/[“”]/g, '"').replace(/"([^"]+)"/g, (_m, v: string) => {
    quoted.push(v.trim());
    return ` __q${quoted.length - 1}__ `;
  });
  const original = clean(withPlaceholders);
  return { text: lowerSameLength(original), original, quoted };
}

export function normalizePhrase(phrase: string): string {
  return lowerSameLength(clean(phrase));
}

/** Function words that carry no analytics meaning on their own; anything else left over lowers confidence. */
export const STOPWORDS = new Set(
  `a an the of in on at for to from with by per and or vs versus is are was were be been being am do does did
  doing has have had having how what which who whom whose when where why whats whos show shows showing list give
  get gets got getting tell me my our ours we us i you your it its they them their this that these those there
  here please can could would should will shall might must let lets see know find compute calculate display
  report return all any some each every much many so far currently now right just only also ever overall
  number numbers amount value values data stats statistics metric metrics figure figures breakdown
  distribution wise over across between within during than as into out up about like such same other different
  individual respectively time times take takes took taking make made has had want need look looking there
  theyre were whats been still our one ones per group grouped broken split sorted sort order ordered rank
  ranked ranking versus compared compare along together both either neither not no yes then again has okay ok
  hey hi`.split(/\s+/),
);

const TOKEN_RE = /[\p{L}\p{N}_][\p{L}\p{N}_\-./#@]*/gu;

export interface Token {
  text: string;
  start: number;
  end: number;
}

/** Tokens of `text` that no matcher has taken. */
export function freeTokens(text: string, taken: readonly boolean[]): Token[] {
  const out: Token[] = [];
  TOKEN_RE.lastIndex = 0;
  for (let m = TOKEN_RE.exec(text); m; m = TOKEN_RE.exec(text)) {
    const start = m.index;
    const end = start + m[0].length;
    let free = true;
    for (let i = start; i < end; i += 1) {
      if (taken[i]) {
        free = false;
        break;
      }
    }
    if (free) out.push({ text: m[0], start, end });
  }
  return out;
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
