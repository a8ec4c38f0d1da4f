import { randomUUID } from 'node:crypto';
import { Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AppConfig, ConfigModule } from '@app/config';
import { DatabaseModule, PgPoolService, PrismaService } from '@app/database';
import { EgressModule } from '@app/egress';
import { IntegrationsService, SecretBox, type PutIntegrationDto } from '@app/integrations';
import { CostLedgerService } from '../cost-ledger.service';
import { LlmProviderRegistry } from '../llm-provider-registry.service';
import { LlmRouter } from '../llm-router.service';
import { ProvidersModule } from '../providers.module';

/** IntegrationsModule without its controller (which needs the tenancy module's request context). */
@Global()
@Module({
  imports: [EgressModule],
  providers: [IntegrationsService, SecretBox],
  exports: [IntegrationsService, SecretBox],
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
  const prisma = moduleRef.get(PrismaService);
  const integrations = moduleRef.get(IntegrationsService);
  const pg = moduleRef.get(PgPoolService);
  return {
    moduleRef,
    router: moduleRef.get(LlmRouter),
    registry: moduleRef.get(LlmProviderRegistry),
    ledger: moduleRef.get(CostLedgerService),
    prisma,
    pg,

    async createTenant(monthlyBudgetUsd?: number): Promise<string> {
      const tenant = await prisma.tenant.create({
        data: { slug: `t-${randomUUID()}`, name: 'Test tenant', monthlyBudgetUsd: monthlyBudgetUsd ?? null },
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
