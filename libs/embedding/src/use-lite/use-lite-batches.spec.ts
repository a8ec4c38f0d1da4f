import { bucketByLength } from './use-lite-batches';

describe('bucketByLength', () => {
  const lengths = [120, 3, 128, 7, 5, 64, 60, 4, 128, 9, 70, 2];

  it('puts every text in exactly one batch, padded to that batch’s longest text', () => {
    const batches = bucketByLength(lengths, 4);

    expect(batches.flatMap((b) => b.rows).sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
    for (const b of batches) expect(b.length).toBe(Math.max(...b.rows.map((i) => lengths[i])));
  });

  it('keeps short texts out of long texts’ batches and respects the row limit', () => {
    const batches = bucketByLength(lengths, 4);
    const padding = batches.reduce(
      (sum, b) => sum + b.rows.reduce((s, i) => s + b.length - lengths[i], 0),
      0,
    );
    const unsorted = lengths.reduce((sum, l) => sum + Math.max(...lengths) - l, 0);

    expect(Math.max(...batches.map((b) => b.rows.length))).toBeLessThanOrEqual(4);
    expect(batches.map((b) => b.rows.map((i) => lengths[i]))).toEqual([
      [2, 3, 4, 5],
      [7, 9],
      [60, 64, 70],
      [120, 128, 128],
    ]);
    expect(padding).toBeLessThan(unsorted / 10);
  });
});
