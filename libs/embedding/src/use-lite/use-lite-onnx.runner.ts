import { bucketByLength } from './use-lite-batches';
import { buildUseLiteOnnx, type UseLitePrecision } from './use-lite-onnx.builder';

export const USE_LITE_DIMENSIONS = 512;

/** Token ids per text (already clipped to 128) → rows × 512 float32, not normalised, in input order. */
export type UseLiteRunner = (ids: number[][]) => Promise<Float32Array>;

/**
 * USE-lite on ONNX Runtime: builds the model from the shipped weights, then runs length-sorted batches padded
 * only to their own longest text. Computes on the calling thread (onnxruntime-node's `run` is synchronous
 * after a setImmediate), so the server calls it from its worker process.
 */
export async function createUseLiteOnnxRunner({
  threads,
  precision,
}: {
  threads: number;
  precision: UseLitePrecision;
}): Promise<UseLiteRunner> {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(buildUseLiteOnnx(precision), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  return async (ids) => {
    const out = new Float32Array(ids.length * USE_LITE_DIMENSIONS);
    for (const batch of bucketByLength(ids.map((row) => row.length))) {
      // An empty text still needs one (masked) column: the model then returns its bias vector, as TF.js does.
      const length = Math.max(batch.length, 1);
      const tokens = new BigInt64Array(batch.rows.length * length);
      const mask = new Float32Array(batch.rows.length * length);
      batch.rows.forEach((row, r) => {
        ids[row].forEach((id, j) => {
          tokens[r * length + j] = BigInt(id);
          mask[r * length + j] = 1;
        });
      });
      const shape = [batch.rows.length, length];
      const result = await session.run({
        ids: new ort.Tensor('int64', tokens, shape),
        mask: new ort.Tensor('float32', mask, shape),
      });
      const data = result.embedding.data as Float32Array;
      batch.rows.forEach((row, r) =>
        out.set(
          data.subarray(r * USE_LITE_DIMENSIONS, (r + 1) * USE_LITE_DIMENSIONS),
          row * USE_LITE_DIMENSIONS,
        ),
      );
      result.embedding.dispose();
    }
    return out;
  };
}
