import type { CollectionSpec, VectorPoint } from '../ports/vector-store.port';

/** Data shared by the crash test and its child process, so both sides agree on every point. */
export const crashSpec: CollectionSpec = { entity: 'work_items', model: 'crash-test', dimensions: 8 };

export function crashPoint(n: number): VectorPoint {
  const vector = Array.from({ length: 8 }, (_, d) => Math.sin(n * 7.13 + d * 1.7) + (d === n % 8 ? 2 : 0));
  return { id: `crash-${n}`, vector, payload: { n, status: n % 2 ? 'done' : 'todo' } };
}
