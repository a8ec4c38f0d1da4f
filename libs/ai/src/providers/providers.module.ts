import { Module } from '@nestjs/common';
import { EgressModule } from '@app/egress';
import { CostLedgerRepository } from './cost-ledger.repository';
import { CostLedgerService } from './cost-ledger.service';
import { LlmBudgetRepository } from './llm-budget.repository';
import { LlmBudgetService } from './llm-budget.service';
import { LlmProviderRegistryService } from './llm-provider-registry.service';
import { LlmRouterService } from './llm-router.service';
import { SemanticLayerProvider } from './semantic-layer.provider';
import { SemanticModule } from '../semantic';

/** LLM providers, routing, budgets, the cost ledger and the metered semantic layer. Needs the global Config, Database, Tenancy, Integrations and Metrics modules. */
@Module({
  imports: [EgressModule, SemanticModule],
  providers: [
    CostLedgerRepository,
    CostLedgerService,
    LlmBudgetRepository,
    LlmBudgetService,
    LlmProviderRegistryService,
    LlmRouterService,
    SemanticLayerProvider,
  ],
  exports: [
    CostLedgerService,
    LlmBudgetService,
    LlmProviderRegistryService,
    LlmRouterService,
    SemanticLayerProvider,
  ],
})
export class ProvidersModule {}
