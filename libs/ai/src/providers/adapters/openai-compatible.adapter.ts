import { Logger } from '@nestjs/common';
import {
  ExponentialBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  handleWhen,
  retry,
  timeout,
  wrap,
} from 'cockatiel';
import { ErrorCode } from '@app/common';
import type { EgressGuard } from '@app/egress';
import { LlmException } from '../llm.exception';
import { LlmProvider, type LlmCompletion, type LlmProviderInfo, type LlmRequest } from '../llm-provider.port';
import { estimatePromptTokens, estimateTokens } from '../token-estimate';

export interface OpenAiCompatibleSettings extends LlmProviderInfo {
  /** Up to and including the API version, e.g. `https://gateway.internal/v1` or `http://127.0.0.1:11434/v1`. */
  baseUrl: string;
  apiKey?: string;
  /** Retries after the first attempt (429, 408, 5xx, network errors). */
  maxRetries: number;
  retryBaseMs: number;
  /** Every call goes out through it (address rules, no redirects, size and time limits). */
  egress: EgressGuard;
}

/** Why one HTTP attempt failed; the retry policy only retries when `retryable`. */
class AttemptError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

interface ChatCompletionBody {
  choices?: { message?: { content?: unknown } }[];
  usage?: { prompt_tokens?: unknown; completion_tokens?: unknown };
}

/**
 * Chat completions over the OpenAI wire format: corporate gateways (LiteLLM, Azure-style proxies) and local
 * servers (Ollama, vLLM, llama.cpp) alike. `timeoutMs` bounds the whole call, retries included, so a caller
 * falling back to the next provider knows the worst case.
 */
export class OpenAiCompatibleProvider extends LlmProvider {
  private readonly logger = new Logger(OpenAiCompatibleProvider.name);
  private readonly url: string;
  private readonly apiKey?: string;
  private readonly egress: EgressGuard;
  private readonly policy;

  constructor(settings: OpenAiCompatibleSettings) {
    super(settings);
    this.url = `${settings.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    this.apiKey = settings.apiKey;
    this.egress = settings.egress;
    this.policy = wrap(
      timeout(settings.timeoutMs, TimeoutStrategy.Aggressive),
      retry(
        handleWhen((err) => err instanceof AttemptError && err.retryable),
        {
          maxAttempts: settings.maxRetries,
          backoff: new ExponentialBackoff({
            initialDelay: settings.retryBaseMs,
            maxDelay: settings.retryBaseMs * 16,
          }),
        },
      ),
    );
  }

  async complete(req: LlmRequest): Promise<LlmCompletion> {
    const started = performance.now();
    const state = { attempts: 0, malformed: 0 };
    try {
      const { content, usage } = await this.policy.execute(
        ({ signal }) => this.attempt(req, signal, state),
        req.signal,
      );
      return {
        content,
        inputTokens: usage.inputTokens ?? estimatePromptTokens(req.messages),
        outputTokens: usage.outputTokens ?? estimateTokens(content),
        latencyMs: performance.now() - started,
      };
    } catch (err) {
      // The caller gave up: not the provider's fault, so no provider error (and no fallback).
      if (req.signal?.aborted) throw req.signal.reason ?? err;
      const reason =
        err instanceof TaskCancelledError
          ? `timed out after ${this.timeoutMs} ms`
          : err instanceof Error
            ? err.message
            : String(err);
      throw new LlmException(
        ErrorCode.DEPENDENCY_UNAVAILABLE,
        `LLM provider "${this.name}" failed after ${state.attempts} attempt(s): ${reason}`,
        { provider: this.name, model: this.model, attempts: state.attempts, reason },
        { cause: err },
      );
    }
  }

  private async attempt(
    req: LlmRequest,
    signal: AbortSignal,
    state: { attempts: number; malformed: number },
  ): Promise<{ content: string; usage: { inputTokens?: number; outputTokens?: number } }> {
    state.attempts++;
    let status: number;
    let text: string;
    try {
      const res = await this.egress.fetch(this.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}),
        },
        body: JSON.stringify({
          model: this.model,
          messages: req.messages,
          stream: false,
          ...(req.maxTokens === undefined ? {} : { max_tokens: req.maxTokens }),
          ...(req.temperature === undefined ? {} : { temperature: req.temperature }),
          ...(req.json ? { response_format: { type: 'json_object' } } : {}),
        }),
        signal,
      });
      status = res.status;
      text = await res.text();
    } catch (err) {
      // An abort is the timeout (or the caller); the policies above report it.
      if (signal.aborted) throw err;
      throw new AttemptError(`network error: ${err instanceof Error ? err.message : String(err)}`, true);
    }

    if (status < 200 || status >= 300) {
      this.logger.warn(`LLM provider "${this.name}" answered HTTP ${status}: ${text.slice(0, 200)}`);
      throw new AttemptError(`HTTP ${status}`, status === 429 || status === 408 || status >= 500);
    }

    // A garbled answer may be a proxy hiccup: worth one more try, not a full retry budget.
    const malformed = (why: string) =>
      new AttemptError(`malformed response: ${why}`, ++state.malformed === 1);
    let body: ChatCompletionBody;
    try {
      body = JSON.parse(text) as ChatCompletionBody;
    } catch {
      throw malformed('body is not valid JSON');
    }
    const content = Array.isArray(body?.choices) ? body.choices[0]?.message?.content : undefined;
    if (typeof content !== 'string') throw malformed('no choices[0].message.content');
    const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);
    return {
      content,
      usage: {
        inputTokens: count(body.usage?.prompt_tokens),
        outputTokens: count(body.usage?.completion_tokens),
      },
    };
  }
}
