import { bucketByLength } from './use-lite-batches';
import { buildUseLiteOnnx, type UseLitePrecision } from './use-lite-onnx.builder';

export const USE_LITE_DIMENSIONS = 512;

/**
 * ONNX Runtime session settings for `threads` intra-op threads (EMBEDDING_THREADS). The pool does not spin
 * between kernels: ORT's default spin-wait burns the time slice that the API's event loop or the other thread
 * needs on a shared 2-core machine (bare runner, alternating rounds, load ~7: 2 spinning threads made 37–57 long
 * and 96–164 short texts/s where 1 thread made 63–65 and 209–325; without spinning 2 threads came close to
 * 1); with 1 thread there is no pool and nothing changes. One inter-op thread and sequential
 * execution: the graph is a chain, there is nothing to run side by side. The memory arena stays on (off
 * measured no faster); full graph optimisation fuses layer norms and attention.
 */
export const useLiteSessionOptions = (threads: number) =>
  ({
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    enableCpuMemArena: true,
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  }) as const;

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
  const session = await ort.InferenceSession.create(
    buildUseLiteOnnx(precision),
    useLiteSessionOptions(threads),
  );
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
