import { ErrorCode } from '@app/common';
import type { FeatureExtractionPipeline } from '@huggingface/transformers';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { EmbeddingException } from '../embedding.exception';
import { EmbeddingProvider } from '../ports/embedding-provider.port';
import { bucketByLength } from '../use-lite/use-lite-batches';

export interface TransformersEmbeddingOptions {
  /** Hugging Face model id; also the id recorded with every vector. */
  model?: string;
  /**
   * Offline model folder: either a root holding `<model id>/` (transformers.js's `localModelPath` layout) or
   * the model's own folder (`config.json`, `tokenizer.json`, `onnx/model_quantized.onnx`). Unset: the hub.
   */
  modelDir?: string;
  /** ONNX Runtime intra-op threads per session; 1 was twice as fast as 2 on a shared 2-core machine. */
  threads?: number;
  /** `q8` loads `onnx/model_quantized.onnx`, `fp32` loads `onnx/model.onnx`. */
  dtype?: 'q8' | 'fp32';
  maxBatch?: number;
  /** Where models fetched from the hub are kept (default: inside the transformers package). */
  cacheDir?: string;
}

export const DEFAULT_TRANSFORMERS_MODEL = 'Xenova/all-MiniLM-L6-v2';

/**
 * ONNX sentence-transformer models through `@huggingface/transformers` (onnxruntime-node, CPU):
 * feature extraction with mean pooling and L2 normalisation, as sentence-transformers does.
 */
export class TransformersEmbeddingAdapter extends EmbeddingProvider {
  readonly model: string;
  readonly maxBatch: number;
  /** The tokenizer truncates at the model's 512 tokens anyway; cutting first bounds tokenisation work. */
  readonly maxInputChars = 4096;
  readonly concurrency = 1;

  private extractor?: FeatureExtractionPipeline;
  private loading?: Promise<void>;
  private hiddenSize = 0;

  constructor(private readonly options: TransformersEmbeddingOptions = {}) {
    super();
    this.model = options.model ?? DEFAULT_TRANSFORMERS_MODEL;
    this.maxBatch = options.maxBatch ?? 64;
  }

  get dimensions(): number {
    return this.hiddenSize;
  }

  get ready(): boolean {
    return this.extractor !== undefined;
  }

  init(): Promise<void> {
    this.loading ??= this.load().catch((err: unknown) => {
      this.loading = undefined;
      throw new EmbeddingException(
        ErrorCode.DEPENDENCY_UNAVAILABLE,
        `Embedding model ${this.model} failed to load${this.options.modelDir ? ` from ${this.options.modelDir}` : ''}`,
        undefined,
        { cause: err },
      );
    });
    return this.loading;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    await this.init();
    const vectors = new Array<Float32Array>(texts.length);
    // The pipeline pads a call to its longest text: similar lengths together waste less arithmetic on padding
    // (~4 characters per token is close enough to sort by).
    for (const batch of bucketByLength(
      texts.map((t) => Math.ceil(t.length / 4)),
      this.maxBatch,
    )) {
      const output = await this.extractor!(
        batch.rows.map((i) => texts[i]),
        { pooling: 'mean', normalize: true },
      );
      const dims = output.dims[1];
      const data = output.data as Float32Array;
      batch.rows.forEach((row, i) => (vectors[row] = data.slice(i * dims, (i + 1) * dims)));
      output.dispose();
    }
    return vectors;
  }

  override async close(): Promise<void> {
    const extractor = this.extractor;
    this.extractor = undefined;
    this.loading = undefined;
    await extractor?.dispose();
  }

  private async load(): Promise<void> {
    // Loaded lazily: onnxruntime-node is only paid for by deployments that choose this provider.
    const { env, pipeline } = await import('@huggingface/transformers');
    let source = this.model;
    if (this.options.cacheDir) env.cacheDir = this.options.cacheDir;
    if (this.options.modelDir) {
      const dir = path.resolve(this.options.modelDir);
      env.allowRemoteModels = false;
      env.allowLocalModels = true;
      if (existsSync(path.join(dir, this.model, 'config.json'))) {
        env.localModelPath = dir;
      } else {
        // A path that is not a hub id is read as it is.
        source = dir;
      }
    }
    const threads = this.options.threads ?? 1;
    const extractor = await pipeline('feature-extraction', source, {
      device: 'cpu',
      dtype: this.options.dtype ?? 'q8',
      // No spin-waiting between kernels, as for the bundled model (use-lite-onnx.runner.ts): on shared cores a
      // spinning second thread takes the time slice the API or the other thread needs.
      session_options: {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        extra: { session: { intra_op: { allow_spinning: '0' } } },
      },
    });
    const config = extractor.model.config as unknown as { hidden_size?: number };
    this.hiddenSize = config.hidden_size ?? 0;
    this.extractor = extractor;
  }
}
