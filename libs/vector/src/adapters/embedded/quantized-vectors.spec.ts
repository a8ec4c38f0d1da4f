import { seededRandom } from '../../testing/vector-store.contract';
import { QuantizedVectors } from './quantized-vectors';

function unitVectors(count: number, dims: number, seed: number): number[][] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const v = Array.from({ length: dims }, () => random() * 2 - 1);
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  });
}

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);

describe('QuantizedVectors', () => {
  const dims = 384;
  const vectors = unitVectors(300, dims, 3);
  const [query] = unitVectors(1, dims, 4);

  it('scores within 0.01 of the exact cosine, growing past its initial capacity', () => {
    const q = new QuantizedVectors(dims, 8);
    const slots = vectors.map((v) => q.add(v));
    for (const [i, slot] of slots.entries())
      expect(Math.abs(q.dot(slot, query) - dot(vectors[i], query))).toBeLessThan(0.01);
    expect(q.size).toBe(300);
  });

  it('round-trips through serialize/deserialize in the given order, and reuses released slots', () => {
    const q = new QuantizedVectors(dims, 16);
    const slots = vectors.slice(0, 50).map((v) => q.add(v));
    q.release(slots[10]);
    const kept = slots.filter((_, i) => i !== 10);

    const loaded = QuantizedVectors.deserialize(dims, q.serialize(kept, kept.length), 4);

    expect(loaded.size).toBe(49);
    kept.forEach((slot, i) => expect(loaded.dot(i, query)).toBeCloseTo(q.dot(slot, query), 6));
    expect(q.add(vectors[60])).toBe(slots[10]);
    expect(loaded.add(vectors[60])).toBe(49);
  });
});
