import { SeededRandom } from './seeded-random';

describe('SeededRandom', () => {
  it('is mulberry32: the numbers demo data and fixtures were generated with', () => {
    const next = new SeededRandom(42).next;
    expect([next(), next(), next()]).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099]);
  });

  it('repeats for a seed and differs between seeds', () => {
    const a = new SeededRandom(7);
    const b = new SeededRandom(7);
    const c = new SeededRandom(8);
    const seq = (r: SeededRandom) => Array.from({ length: 20 }, () => r.int(0, 1000));
    const first = seq(a);
    expect(seq(b)).toEqual(first);
    expect(seq(c)).not.toEqual(first);
  });
});
