import type { LlmMessage } from './llm-provider.port';

/**
 * A deliberately high token estimate (3 characters a token, 4 tokens of framing a message; real tokenizers
 * average about 4 characters a token on English and SQL), used to reserve budget before a call and as the
 * count when a server reports no `usage`.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 3);
}

export function estimatePromptTokens(messages: readonly LlmMessage[]): number {
  return messages.reduce((sum, m) => sum + 4 + estimateTokens(m.content), 0);
}
