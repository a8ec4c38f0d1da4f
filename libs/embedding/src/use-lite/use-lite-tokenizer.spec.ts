import { encodeWithPackage } from '../testing/package-tokenizer.fixture';
import { variedTexts } from '../testing/varied-texts';
import {
  loadUseLiteVocabulary,
  repairedScores,
  shippedScores,
  UseLiteTokenizer,
  type UseLiteVocabulary,
} from './use-lite-tokenizer';

/** Exhaustive best segmentation (every split tried) for short texts, as a check on the dynamic programme. */
function bestScore(text: string, vocabulary: UseLiteVocabulary, scores: Float64Array): number {
  const pieces = new Map<string, number>();
  vocabulary.forEach(([piece], id) => {
    if (id >= 6) pieces.set(piece, scores[id]);
  });
  const symbols = [...('\u2581' + text.normalize('NFKC').replace(/ /g, '\u2581'))];
  const best = (from: number): number => {
    if (from === symbols.length) return 0;
    let top = -Infinity;
    for (let to = from + 1; to <= symbols.length; to++) {
      const score = pieces.get(symbols.slice(from, to).join(''));
      if (score !== undefined) top = Math.max(top, score + best(to));
    }
    return top;
  };
  return best(0);
}

describe('UseLiteTokenizer', () => {
  const vocabulary = loadUseLiteVocabulary();
  const tokenizer = new UseLiteTokenizer(vocabulary);
  const plain = variedTexts(3000, { seed: 7, maxWords: 60 });
  const withColons = variedTexts(1000, { seed: 11, colons: true });
  const probes = ['10:30', 'at 09:00 sharp', 'see https://x.io', 'Note: a:b', 'so :) and :-(', '::'];
  const reference = encodeWithPackage([...plain, ...withColons, ...probes]);
  const referenceIds = new Map([...plain, ...withColons, ...probes].map((t, i) => [t, reference.ids[i]]));
  const ref = (t: string): number[] => referenceIds.get(t)!;
  const colonPieces = vocabulary.flatMap(([piece], id) => (piece.includes(':') ? [id] : []));

  it('gives the package encoder’s ids on 3,000 varied texts without ":" pieces', () => {
    const mismatches = plain.filter((t) => JSON.stringify(tokenizer.encode(t)) !== JSON.stringify(ref(t)));

    expect(plain.some((t) => ref(t).includes(0))).toBe(true); // unknown characters are covered
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  it('is the same algorithm: with the shipped (broken) scores it matches the package on texts with ":"', () => {
    const asShipped = new UseLiteTokenizer(vocabulary, shippedScores(vocabulary));
    const mismatches = withColons.filter(
      (t) => JSON.stringify(asShipped.encode(t)) !== JSON.stringify(ref(t)),
    );

    expect(withColons.filter((t) => t.includes(':')).length).toBeGreaterThan(500);
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  it('repairs the nine ":" pieces with a score between their neighbours’', () => {
    const scores = repairedScores(vocabulary);

    expect(colonPieces).toHaveLength(9);
    for (const id of colonPieces) {
      expect(scores[id]).toBeLessThanOrEqual(vocabulary[id - 1][1] as number);
      expect(scores[id]).toBeGreaterThanOrEqual(vocabulary[id + 1][1] as number);
    }
  });

  it('no longer lets ":" pieces win regardless of score: "10:30 ::" is split at its best total score', () => {
    const scores = repairedScores(vocabulary);
    for (const text of probes) {
      const ids = tokenizer.encode(text);
      const total = ids.reduce((sum, id) => sum + scores[id], 0);
      expect({ text, total }).toEqual({
        text,
        total: expect.closeTo(bestScore(text, vocabulary, scores), 9),
      });
    }
    // The package's segmentation of the same texts scores worse under the repaired scores.
    const worse = probes.filter((t) => {
      const theirs = ref(t).reduce((sum, id) => sum + scores[id], 0);
      return theirs < bestScore(t, vocabulary, scores) - 1e-9;
    });
    expect(worse.length).toBeGreaterThan(0);
  });

  it('is faster than the package encoder (same texts, same process, best of three)', () => {
    expect(reference.packageMs / reference.oursMs).toBeGreaterThan(2);
  });
});
