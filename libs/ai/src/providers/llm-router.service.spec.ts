import { loopbackEgress } from '@app/egress/testing/loopback-egress';
import { OpenAiCompatibleProvider } from './adapters/openai-compatible.adapter';
import type { LlmTier } from './llm-provider.port';
import { rankProviders } from './llm-router.service';

const provider = (name: string, tier: LlmTier, cost: number, priority: number) =>
  new OpenAiCompatibleProvider({
    name,
    model: name,
    tier,
    inputCostPer1k: cost,
    outputCostPer1k: cost,
    priority,
    timeoutMs: 1000,
    baseUrl: 'http://127.0.0.1:9/v1',
    maxRetries: 0,
    retryBaseMs: 1,
    egress: loopbackEgress(),
  });

describe('rankProviders', () => {
  const local = provider('local', 'simple', 0, 9);
  const cheap = provider('cheap', 'any', 0.1, 2);
  const strong = provider('strong', 'complex', 5, 0);
  const backup = provider('backup', 'complex', 2, 0);
  const all = [strong, cheap, backup, local];

  it('orders simple work by cost, with complex-only models as the last resort', () => {
    expect(rankProviders(all, 'simple').map((p) => p.name)).toEqual(['local', 'cheap', 'backup', 'strong']);
  });

  it('orders complex work by priority then cost, with simple-only models as the last resort', () => {
    expect(rankProviders(all, 'complex').map((p) => p.name)).toEqual(['backup', 'strong', 'cheap', 'local']);
  });

  it('breaks full ties by name so the order is stable', () => {
    const twins = [provider('b', 'any', 1, 0), provider('a', 'any', 1, 0)];
    expect(rankProviders(twins, 'simple').map((p) => p.name)).toEqual(['a', 'b']);
  });
});
