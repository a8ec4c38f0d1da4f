import { NUMBER_WORD_PATTERN, numberOfWord } from './number-words';

describe('number words', () => {
  it.each([
    ['one', 1],
    ['five', 5],
    ['twelve', 12],
    ['fifteen', 15],
    ['thirty', 30],
    ['hundred', 100],
  ])('reads "%s" as %d', (word, n) => {
    expect(numberOfWord(word)).toBe(n);
  });

  it('reads nothing from articles, ordinals, other words or inherited object keys', () => {
    for (const word of ['a', 'an', 'fifth', 'once', 'bugs', 'constructor', 'tostring', 'Five']) {
      expect(numberOfWord(word)).toBeUndefined();
    }
  });

  it('offers a pattern that matches exactly the words it reads', () => {
    const whole = new RegExp(`^(?:${NUMBER_WORD_PATTERN})$`);
    for (const word of ['one', 'eleven', 'twenty', 'fifty']) expect(whole.test(word)).toBe(true);
    for (const word of ['a', 'thirteen', 'ones', '']) expect(whole.test(word)).toBe(false);
  });
});
