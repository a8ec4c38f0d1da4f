import { randomUUID } from 'node:crypto';
import { Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AppConfig, ConfigModule } from '@app/config';
import { DatabaseModule, PgPoolService } from '@app/database';
import { EgressModule } from '@app/egress';
import { MetricsService } from '@app/metrics';
import {
  IntegrationsRepository,
  IntegrationsService,
  SecretBox,
  type PutIntegrationDto,
} from '@app/integrations';
import { ApiKeyRepository, ApiKeyService, TenantRepository, TenantService } from '@app/tenancy';
import { CostLedgerService } from '../cost-ledger.service';
import { LlmProviderRegistryService } from '../llm-provider-registry.service';
import { LlmRouterService } from '../llm-router.service';
import { ProvidersModule } from '../providers.module';

/** Provider-call metrics in their own registry; the per-tenant performance store (Redis) is left out. */
type PerformanceStore = ConstructorParameters<typeof MetricsService>[1];
const noPerformanceStore = { recordProviderCall: () => Promise.resolve() } as unknown as PerformanceStore;

/**
 * IntegrationsModule and TenancyModule without their controllers and guard (which need an HTTP request),
 * and MetricsService without the performance store.
 */
@Global()
@Module({
  imports: [EgressModule],
  providers: [
    IntegrationsRepository,
    IntegrationsService,
    SecretBox,
    TenantRepository,
    ApiKeyRepository,
    ApiKeyService,
    TenantService,
    {
      provide: MetricsService,
      useFactory: (config: AppConfig) => new MetricsService(config, noPerformanceStore),
      inject: [AppConfig],
    },
  ],
  exports: [IntegrationsService, SecretBox, TenantService, MetricsService],
})
class IntegrationsServiceModule {}

/** Boots ProvidersModule with its real dependencies; `env` overrides the test run's environment. */
export async function bootProviders(env: Record<string, string> = {}) {
  const config = new AppConfig({ ...process.env, LLM_RETRY_BASE_MS: '5', ...env });
  const moduleRef = await Test.createTestingModule({
    imports: [ConfigModule, DatabaseModule, IntegrationsServiceModule, ProvidersModule],
  })
    .overrideProvider(AppConfig)
    .useValue(config)
    .compile();
  await moduleRef.init();
  const tenants = moduleRef.get(TenantService);
  const integrations = moduleRef.get(IntegrationsService);
  const pg = moduleRef.get(PgPoolService);
  return {
    moduleRef,
    router: moduleRef.get(LlmRouterService),
    registry: moduleRef.get(LlmProviderRegistryService),
    ledger: moduleRef.get(CostLedgerService),
    metrics: moduleRef.get(MetricsService),
    pg,

    async createTenant(monthlyBudgetUsd?: number): Promise<string> {
      const tenant = await tenants.create({
        slug: `t-${randomUUID()}`,
        name: 'Test tenant',
        monthlyBudgetUsd,
      });
      return tenant.id;
    },

    /** An enabled `llm` integration (through the real service: the key is encrypted as in production). */
    async addLlm(tenantId: string, name: string, fields: Partial<PutIntegrationDto> & { baseUrl: string }) {
      await integrations.put(tenantId, name, {
        kind: 'llm',
        provider: 'openai-compatible',
        model: `${name}-model`,
        timeoutMs: 5000,
        ...fields,
      });
    },

    async ledgerRows(tenantId: string) {
      const { rows } = await pg.pool.query<{
        provider: string;
        model: string;
        operation: string;
        input_tokens: number;
        output_tokens: number;
        cost_usd: string;
        outcome: string;
        cpu_ms: number | null;
        latency_ms: number;
      }>('SELECT * FROM cost_ledger WHERE tenant_id = $1 ORDER BY created_at, id', [tenantId]);
      return rows;
    },

    close: () => moduleRef.close(),
  };
}

export type ProvidersKit = Awaited<ReturnType<typeof bootProviders>>;
