export type LlmTier = 'simple' | 'complex' | 'any';
/** What a caller asks for; `any` is only a provider's declaration ("good for both"). */
export type LlmRouteTier = Exclude<LlmTier, 'any'>;

export interface LlmMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface LlmRequest {
  messages: LlmMessage[];
  /** Ask for a JSON object as the whole answer (OpenAI `response_format: json_object`). */
  json?: boolean;
  maxTokens?: number;
  temperature?: number;
  signal?: AbortSignal;
}

export interface LlmCompletion {
  content: string;
  inputTokens: number;
  outputTokens: number;
  latencyMs: number;
}

/** What the router needs to know about a provider to rank it and to price its calls. */
export interface LlmProviderInfo {
  /** The integration's name (or `default` for the env-level provider); unique per tenant. */
  name: string;
  model: string;
  tier: LlmTier;
  inputCostPer1k: number;
  outputCostPer1k: number;
  /** Lower runs first among equals (same convention as the integrations API). */
  priority: number;
  /** The longest one call may take, retries included. */
  timeoutMs: number;
}

/**
 * A chat-completion model behind some wire protocol. Instances are built per tenant from `integrations` rows
 * (see LlmProviderRegistryService), so the port is not a DI token of its own.
 */
export abstract class LlmProvider implements LlmProviderInfo {
  readonly name: string;
  readonly model: string;
  readonly tier: LlmTier;
  readonly inputCostPer1k: number;
  readonly outputCostPer1k: number;
  readonly priority: number;
  readonly timeoutMs: number;

  constructor(info: LlmProviderInfo) {
    this.name = info.name;
    this.model = info.model;
    this.tier = info.tier;
    this.inputCostPer1k = info.inputCostPer1k;
    this.outputCostPer1k = info.outputCostPer1k;
    this.priority = info.priority;
    this.timeoutMs = info.timeoutMs;
  }

  /** Throws LlmException(DEPENDENCY_UNAVAILABLE) once its own retries are exhausted. */
  abstract complete(req: LlmRequest): Promise<LlmCompletion>;

  costUsd(inputTokens: number, outputTokens: number): number {
    return (inputTokens / 1000) * this.inputCostPer1k + (outputTokens / 1000) * this.outputCostPer1k;
  }
}
