/**
 * Numbers that questions spell out ("top five", "the last three months"), for everything that reads a count
 * from a question. Articles ("a week") are not here: only a parser that expects a count may read them as one.
 */
const NUMBER_WORDS = new Map<string, number>([
  ['one', 1],
  ['two', 2],
  ['three', 3],
  ['four', 4],
  ['five', 5],
  ['six', 6],
  ['seven', 7],
  ['eight', 8],
  ['nine', 9],
  ['ten', 10],
  ['eleven', 11],
  ['twelve', 12],
  ['fifteen', 15],
  ['twenty', 20],
  ['thirty', 30],
  ['fifty', 50],
  ['hundred', 100],
]);

/** Alternation of every number word, for building regular expressions (lower case). */
export const NUMBER_WORD_PATTERN = [...NUMBER_WORDS.keys()].join('|');

/** The number a lower-cased word spells, or undefined when it spells none. */
export function numberOfWord(word: string): number | undefined {
  return NUMBER_WORDS.get(word);
}
