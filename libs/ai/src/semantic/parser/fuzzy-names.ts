import type { Lex } from './lexicon';

/** A tenant value that can be named loosely: "Ward" or "Danial Ward" for "Daniel Ward". */
export interface NamedValue {
  value: string;
  lex: Lex[];
}

/** Optimal string alignment distance (a swap of two neighbours is one edit), capped at `limit` + 1. */
export function editDistance(a: string, b: string, limit = 2): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [
    i,
    ...new Array<number>(b.length).fill(0),
  ]);
  for (let j = 1; j <= b.length; j += 1) d[0][j] = j;
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** Typos allowed for a word of this length: none under 5 letters, one up to 7, two beyond. */
function allowed(word: string): number {
  return word.length < 5 ? 0 : word.length < 8 ? 1 : 2;
}

function close(word: string, part: string): boolean {
  if (word === part) return true;
  const limit = allowed(part);
  return limit > 0 && editDistance(word, part, limit) <= limit;
}

/**
 * The one tenant name that `words` (one or two question words) refer to: a full name with typos, or a single
 * first or last name that belongs to exactly one multi-word name. Null when none or several fit.
 */
export function fuzzyName(
  words: readonly string[],
  names: readonly NamedValue[],
): { words: number; lex: Lex[] } | null {
  for (const n of [2, 1]) {
    if (words.length < n) continue;
    const seq = words.slice(0, n).map((w) => w.toLowerCase());
    if (seq.some((w) => w.length < 3 || w.startsWith('__'))) continue;
    const hits = names.filter((name) => {
      const parts = name.value
        .toLowerCase()
        .split(/[\s._-]+/)
        .filter(Boolean);
      if (n === 2) return parts.length === 2 && close(seq[0], parts[0]) && close(seq[1], parts[1]);
      if (parts.length === 1) return seq[0] !== parts[0] && close(seq[0], parts[0]);
      return parts.some((p) => close(seq[0], p));
    });
    const values = new Set(hits.map((h) => h.value));
    if (values.size === 1) return { words: n, lex: hits.flatMap((h) => h.lex) };
    if (values.size > 1) return null;
  }
  return null;
}
