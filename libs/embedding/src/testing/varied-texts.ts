import { MEANING_TRIPLES } from './meaning-triples';
import { SeededRandom } from '@app/common';

/**
 * Seeded, varied English-ish texts for equality checks between tokenizers and runtimes: the meaning triples'
 * words mixed with identifiers, numbers, punctuation, accented and non-Latin letters, emoji and odd spacing.
 */
const EXTRAS = [
  'PAY-1234',
  'v2.14.0',
  'p95',
  '500ms',
  '#4521',
  'user_id',
  'getUserById()',
  'e.g.',
  '(see below)',
  'N/A',
  'naïve',
  'café',
  'Zürich',
  'São',
  'Ελληνικά',
  'русский',
  '日本語',
  '中文',
  '한국어',
  '🙂',
  '🚀',
  '—',
  '…',
  'ﬁx',
  'Ⅻ',
  '½',
  'x²',
  '\t',
  '  ',
  'OAuth2',
  'iOS',
  'k8s',
  'S3',
  'TLS 1.3',
  '42',
  '3.14159',
  '-7',
  '100%',
  "don't",
  "it's",
  '"quoted"',
  '[draft]',
  '{json}',
  '<b>',
  'a&b',
  '~/tmp',
  'foo/bar',
  'x|y',
  'C++',
  'C#',
];

const WORDS = [...new Set(MEANING_TRIPLES.flat().join(' ').split(/\s+/))].filter((w) => w.length > 0);

/** `count` texts of `minWords`–`maxWords` words; no text contains a `:` unless `colons` is set. */
export function variedTexts(
  count: number,
  { seed = 1, minWords = 1, maxWords = 24, colons = false } = {},
): string[] {
  const rnd = new SeededRandom(seed).next;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)];
  const texts: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = minWords + Math.floor(rnd() * (maxWords - minWords + 1));
    const parts: string[] = [];
    for (let w = 0; w < n; w++) {
      const r = rnd();
      let word = r < 0.75 ? pick(WORDS) : pick(EXTRAS);
      if (rnd() < 0.1) word = word.toUpperCase();
      if (colons && rnd() < 0.15)
        word = pick(['10:30', '09:00', 'https://x.io', 'Note:', ':)', ':-)', 'a:b', '::']);
      parts.push(word);
    }
    texts.push(parts.join(rnd() < 0.9 ? ' ' : ''));
  }
  return texts;
}
