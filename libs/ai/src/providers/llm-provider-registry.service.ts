import { Injectable, Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { AppConfig } from '@app/config';
import { EgressGuard } from '@app/egress';
import { IntegrationsService, type ResolvedIntegration } from '@app/integrations';
import { OpenAiCompatibleProvider } from './adapters/openai-compatible.adapter';
import type { LlmProvider, LlmTier } from './llm-provider.port';

/**
 * How long a tenant's provider list is reused. Changes made through IntegrationsService in this process apply
 * at once (it notifies us); this bounds how stale another process's copy can be.
 */
const CHAIN_TTL_MS = 15_000;
const TIERS: readonly LlmTier[] = ['simple', 'complex', 'any'];

/**
 * Builds each tenant's LLM providers from its enabled `llm` integrations, or the env-level `default` provider
 * (LLM_BASE_URL / LLM_MODEL / LLM_API_KEY) when the tenant has none.
 */
@Injectable()
export class LlmProviderRegistryService {
  private readonly logger = new Logger(LlmProviderRegistryService.name);
  private readonly chains = new LRUCache<string, Promise<readonly LlmProvider[]>>({
    max: 10_000,
    ttl: CHAIN_TTL_MS,
  });
  private readonly envDefault?: LlmProvider;

  constructor(
    private readonly config: AppConfig,
    private readonly integrations: IntegrationsService,
    private readonly egress: EgressGuard,
  ) {
    integrations.onChange((tenantId) => this.invalidate(tenantId));
    const env = config.llm;
    if (env.baseUrl && env.model) {
      this.envDefault = new OpenAiCompatibleProvider({
        name: 'default',
        model: env.model,
        tier: 'any',
        inputCostPer1k: env.inputCostPer1k,
        outputCostPer1k: env.outputCostPer1k,
        priority: 0,
        timeoutMs: env.timeoutMs,
        baseUrl: env.baseUrl,
        apiKey: env.apiKey,
        maxRetries: env.maxRetries,
        retryBaseMs: env.retryBaseMs,
        egress,
      });
    }
  }

  /** The tenant's usable providers, unordered (the router ranks them per tier). */
  providersFor(tenantId: string): Promise<readonly LlmProvider[]> {
    const cached = this.chains.get(tenantId);
    if (cached) return cached;
    const loading = this.load(tenantId);
    this.chains.set(tenantId, loading);
    // A failed load (database down) must not be cached.
    loading.catch(() => {
      if (this.chains.get(tenantId) === loading) this.chains.delete(tenantId);
    });
    return loading;
  }

  /** Whether the tenant can reach any LLM (without one, questions the semantic layer cannot plan are refused). */
  async hasProvider(tenantId: string): Promise<boolean> {
    return (await this.providersFor(tenantId)).length > 0;
  }

  /** Drops cached providers (one tenant's, or all) so the next call reads the integrations again. */
  invalidate(tenantId?: string): void {
    if (tenantId === undefined) this.chains.clear();
    else this.chains.delete(tenantId);
  }

  private async load(tenantId: string): Promise<readonly LlmProvider[]> {
    const rows = await this.integrations.resolveEnabled(tenantId, 'llm');
    const providers = rows.flatMap((row) => this.create(row) ?? []);
    if (providers.length === 0 && this.envDefault) return [this.envDefault];
    return providers;
  }

  private create(row: ResolvedIntegration): LlmProvider | undefined {
    switch (row.provider) {
      case 'openai-compatible':
        return new OpenAiCompatibleProvider({
          name: row.name,
          model: row.model,
          tier: TIERS.find((t) => t === row.tier) ?? 'any',
          inputCostPer1k: row.inputCostPer1k,
          outputCostPer1k: row.outputCostPer1k,
          priority: row.priority,
          timeoutMs: row.timeoutMs,
          baseUrl: row.baseUrl,
          apiKey: row.apiKey,
          maxRetries: this.config.llm.maxRetries,
          retryBaseMs: this.config.llm.retryBaseMs,
          egress: this.egress,
        });
      default:
        // Rows are validated on write; one from a newer release must not take the tenant's other providers down.
        this.logger.warn(`Integration "${row.name}" has unknown LLM provider "${row.provider}"; skipped`);
        return undefined;
    }
  }
}
