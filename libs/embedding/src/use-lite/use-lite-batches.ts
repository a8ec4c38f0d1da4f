/** Rows of one model call: which input texts, padded to one length. */
export interface TokenBatch {
  /** Positions of the texts in the caller's list. */
  rows: number[];
  /** Longest token count among them: every row is padded to it. */
  length: number;
}

/**
 * Groups tokenised texts for a padded runtime: sorted by length, cut into batches of at most `maxRows` whose
 * longest row is within `slack` of its shortest (plus 4 tokens), so little arithmetic goes to padding.
 */
export function bucketByLength(lengths: readonly number[], maxRows = 32, slack = 1.25): TokenBatch[] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b]);
  const batches: TokenBatch[] = [];
  let current: TokenBatch | undefined;
  let shortest = 0;
  for (const i of order) {
    const len = lengths[i];
    if (!current || current.rows.length >= maxRows || len > shortest * slack + 4) {
      current = { rows: [], length: 0 };
      shortest = len;
      batches.push(current);
    }
    current.rows.push(i);
    current.length = Math.max(current.length, len);
  }
  return batches;
}
