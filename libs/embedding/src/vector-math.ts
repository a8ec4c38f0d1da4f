import { ErrorCode } from '@app/common';
import { EmbeddingException } from './embedding.exception';

/** Returns a unit-length float32 copy of `values`; a zero or non-finite vector is a model fault. */
export function toUnitVector(values: ArrayLike<number>, model: string): Float32Array {
  const out = Float32Array.from(values);
  let sum = 0;
  for (let i = 0; i < out.length; i++) sum += out[i] * out[i];
  const norm = Math.sqrt(sum);
  if (!Number.isFinite(norm) || norm === 0) {
    throw new EmbeddingException(ErrorCode.INTERNAL_ERROR, `Model ${model} returned a degenerate vector`);
  }
  for (let i = 0; i < out.length; i++) out[i] /= norm;
  return out;
}

/** Dot product; the cosine similarity of two unit vectors (see toUnitVector). */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Cosine similarity; equals the dot product for unit vectors. */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}
