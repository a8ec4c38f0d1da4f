import { binomialZ, predictiveZ, rateBaseline, robustBaseline, tCritical } from './series-statistics';

describe('series statistics', () => {
  it('binomialZ is the exact mid-p tail: 5 failures of 12 at 10% is ≈ 2.8 deviations, not 3.7', () => {
    // P(X = 5) = 0.003788, P(X ≥ 6) = 0.000546 → mid-p 0.00244 → 2.81 standard deviations.
    expect(binomialZ(5, 12, 0.1)).toBeCloseTo(2.81, 1);
    // The normal approximation would say (5/12 − 0.1) / √(0.1 · 0.9 / 12) = 3.66.
    expect(binomialZ(5, 12, 0.1)).toBeLessThan(3.0);
    expect(Math.abs(binomialZ(50, 500, 0.1))).toBeLessThan(0.1);
    expect(binomialZ(0, 40, 0.2)).toBeLessThan(-3);
    expect(binomialZ(0, 0, 0.2)).toBe(0);
  });

  it('robustBaseline ignores a past incident but keeps the ordinary spread', () => {
    const usual = [10, 11, 9, 10, 12, 8, 10, 11, 9, 10];
    const withIncident = robustBaseline([...usual, 60])!;
    const plain = robustBaseline(usual)!;
    expect(withIncident.center).toBeCloseTo(plain.center, 6);
    expect(withIncident.scale).toBeCloseTo(plain.scale, 6);
    expect(withIncident.n).toBe(usual.length);
  });

  it('widens the threshold for an estimated baseline (Student t) and the deviation for its own error', () => {
    expect(tCritical(3.5, 25)).toBeGreaterThan(3.9);
    expect(tCritical(3.5, 25)).toBeLessThan(4.1);
    expect(tCritical(3.5, 10_000)).toBeCloseTo(3.5, 2);
    const b = { center: 0, scale: 1, n: 3 };
    expect(predictiveZ(2, b, 0)).toBeCloseTo(2 / Math.sqrt(1 + 1 / 3), 6);
    expect(predictiveZ(2, b, 4)).toBeCloseTo(0.5 / Math.sqrt(1 + 1 / 3), 6);
  });

  it('rateBaseline pools events, leaves an incident week out and measures extra-binomial spread', () => {
    const weeks = Array.from({ length: 20 }, (_, i) => ({ k: i % 2, n: 10 }));
    const b = rateBaseline([...weeks, { k: 9, n: 10 }])!;
    expect(b.p).toBeCloseTo(0.05, 6);
    expect(b.n).toBe(20);
    expect(b.phi).toBeGreaterThanOrEqual(1);
    const overdispersed = rateBaseline(Array.from({ length: 20 }, (_, i) => ({ k: i % 2 ? 0 : 4, n: 10 })))!;
    expect(overdispersed.phi).toBeGreaterThan(2);
  });
});
