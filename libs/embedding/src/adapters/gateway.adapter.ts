import { ErrorCode } from '@app/common';
import type { EgressGuard } from '@app/egress';
import {
  ExponentialBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  handleWhen,
  retry,
  timeout,
  wrap,
  type IPolicy,
} from 'cockatiel';
import { EmbeddingException } from '../embedding.exception';
import { EmbeddingProvider } from '../ports/embedding-provider.port';
import { toUnitVector } from '../vector-math';

/** Tokens and cost of one gateway call, reported as they happen (for metrics and budgets). */
export interface EmbeddingUsage {
  model: string;
  texts: number;
  inputTokens: number;
  costUsd: number;
}

export interface GatewayEmbeddingOptions {
  /** OpenAI-style base URL, e.g. `https://gateway.example.com/v1`; requests go to `<baseUrl>/embeddings`. */
  baseUrl: string;
  model: string;
  /**
   * Id recorded with every vector and used in cache keys; default `gateway:<model>`. Give endpoints that may
   * serve different weights under the same model name (one tenant's gateway and another's) distinct ids.
   */
  modelId?: string;
  apiKey?: string;
  /** Per attempt. */
  timeoutMs?: number;
  /** When set it is sent as the `dimensions` parameter and every answer is checked against it; otherwise learned from the first answer. */
  dimensions?: number;
  costPer1k?: number;
  maxBatch?: number;
  maxInputChars?: number;
  /** Requests in flight at once. */
  concurrency?: number;
  /** Retries after the first attempt, on 429, 5xx, timeouts, network errors and unreadable answers. */
  retries?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  onUsage?: (usage: EmbeddingUsage) => void;
  /** Every call goes out through it (address rules, no redirects, size and time limits). */
  egress: EgressGuard;
}

/** Running totals of one adapter instance. */
export interface GatewayUsageTotals {
  requests: number;
  failedRequests: number;
  texts: number;
  inputTokens: number;
  costUsd: number;
}

interface EmbeddingsResponse {
  data: { index: number; embedding: number[] }[];
  usage?: { prompt_tokens?: number; total_tokens?: number };
}

/** A failed attempt; `retryable` tells the retry policy whether another attempt could succeed. */
class GatewayAttemptError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
  }
}

/**
 * Any OpenAI-compatible `/v1/embeddings` endpoint (a corporate LLM gateway, vLLM, Ollama, LiteLLM, OpenAI).
 * A plain class so a tenant's `embedding` integration can build its own instance from stored settings.
 */
export class GatewayEmbeddingAdapter extends EmbeddingProvider {
  readonly model: string;
  readonly maxBatch: number;
  readonly maxInputChars: number;
  readonly concurrency: number;
  readonly totals: GatewayUsageTotals = {
    requests: 0,
    failedRequests: 0,
    texts: 0,
    inputTokens: 0,
    costUsd: 0,
  };

  private readonly url: string;
  private readonly policy: IPolicy;
  private learnedDimensions?: number;
  private probing?: Promise<void>;

  constructor(private readonly options: GatewayEmbeddingOptions) {
    super();
    this.model = options.modelId ?? `gateway:${options.model}`;
    this.maxBatch = options.maxBatch ?? 128;
    // OpenAI's limit is 8191 tokens per input; 16k characters stays under it even for token-dense text.
    this.maxInputChars = options.maxInputChars ?? 16_000;
    this.concurrency = options.concurrency ?? 4;
    this.url = `${options.baseUrl.replace(/\/+$/, '')}/embeddings`;
    this.learnedDimensions = options.dimensions;
    this.policy = wrap(
      retry(
        handleWhen(
          (err) => err instanceof TaskCancelledError || (err instanceof GatewayAttemptError && err.retryable),
        ),
        {
          maxAttempts: options.retries ?? 2,
          backoff: new ExponentialBackoff({
            initialDelay: options.backoffInitialMs ?? 250,
            maxDelay: options.backoffMaxMs ?? 4000,
          }),
        },
      ),
      timeout(options.timeoutMs ?? 20_000, TimeoutStrategy.Aggressive),
    );
  }

  get dimensions(): number {
    return this.learnedDimensions ?? 0;
  }

  get ready(): boolean {
    return this.learnedDimensions !== undefined;
  }

  /** Without configured dimensions, one probe request learns them (and proves the gateway answers). */
  init(): Promise<void> {
    if (this.learnedDimensions !== undefined) return Promise.resolve();
    this.probing ??= this.embed(['ping'])
      .then(() => undefined)
      .finally(() => {
        this.probing = undefined;
      });
    return this.probing;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    try {
      return await this.policy.execute(({ signal }) => this.attempt(texts, signal));
    } catch (err) {
      const status = err instanceof GatewayAttemptError ? err.status : undefined;
      const reason =
        err instanceof TaskCancelledError ? 'timed out' : err instanceof Error ? err.message : String(err);
      throw new EmbeddingException(
        ErrorCode.DEPENDENCY_UNAVAILABLE,
        `Embedding gateway ${this.options.model} is unavailable: ${reason}`,
        { model: this.model, ...(status ? { status } : {}) },
        { cause: err },
      );
    }
  }

  private async attempt(texts: string[], signal: AbortSignal): Promise<Float32Array[]> {
    this.totals.requests++;
    try {
      return await this.request(texts, signal);
    } catch (err) {
      this.totals.failedRequests++;
      throw err;
    }
  }

  private async request(texts: string[], signal: AbortSignal): Promise<Float32Array[]> {
    const body: Record<string, unknown> = {
      model: this.options.model,
      input: texts,
      encoding_format: 'float',
    };
    if (this.options.dimensions) body.dimensions = this.options.dimensions;
    let res: Response;
    try {
      res = await this.options.egress.fetch(this.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
        },
        body: JSON.stringify(body),
        signal,
      });
    } catch (err) {
      if (signal.aborted) throw err;
      throw new GatewayAttemptError(
        `network error: ${err instanceof Error ? err.message : String(err)}`,
        true,
      );
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new GatewayAttemptError(
        `HTTP ${res.status}`,
        res.status === 429 || res.status >= 500,
        res.status,
      );
    }
    let parsed: unknown;
    try {
      parsed = await res.json();
    } catch {
      throw new GatewayAttemptError('unreadable response body', true, res.status);
    }
    const vectors = this.readVectors(parsed, texts.length);
    this.account(texts, (parsed as EmbeddingsResponse).usage);
    return vectors;
  }

  private readVectors(parsed: unknown, expected: number): Float32Array[] {
    const data = (parsed as Partial<EmbeddingsResponse> | null)?.data;
    if (!Array.isArray(data) || data.length !== expected) {
      throw new GatewayAttemptError(`expected ${expected} embeddings in the response`, true);
    }
    const rows = [...data].sort((a, b) => a.index - b.index);
    const dims = this.learnedDimensions ?? rows[0]?.embedding?.length;
    const vectors = rows.map((row) => {
      if (!Array.isArray(row.embedding) || row.embedding.length !== dims || !dims) {
        throw new GatewayAttemptError(`embedding of unexpected length (expected ${dims})`, false);
      }
      return toUnitVector(row.embedding, this.model);
    });
    this.learnedDimensions = dims;
    return vectors;
  }

  private account(texts: string[], usage: EmbeddingsResponse['usage']): void {
    // A gateway that reports no usage is billed on the usual ~4 characters per token estimate.
    const inputTokens =
      usage?.prompt_tokens ?? usage?.total_tokens ?? texts.reduce((n, t) => n + Math.ceil(t.length / 4), 0);
    const costUsd = (inputTokens / 1000) * (this.options.costPer1k ?? 0);
    this.totals.texts += texts.length;
    this.totals.inputTokens += inputTokens;
    this.totals.costUsd += costUsd;
    this.options.onUsage?.({ model: this.model, texts: texts.length, inputTokens, costUsd });
  }
}
