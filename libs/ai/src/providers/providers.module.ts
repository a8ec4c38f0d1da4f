import { Module } from '@nestjs/common';
import { EgressModule } from '@app/egress';
import { CostLedgerService } from './cost-ledger.service';
import { LlmBudgetService } from './llm-budget.service';
import { LlmProviderRegistry } from './llm-provider-registry.service';
import { LlmRouter } from './llm-router.service';

/** LLM providers, routing, budgets and the cost ledger. Needs the global Config, Database and Integrations modules. */
@Module({
  imports: [EgressModule],
  providers: [CostLedgerService, LlmBudgetService, LlmProviderRegistry, LlmRouter],
  exports: [CostLedgerService, LlmBudgetService, LlmProviderRegistry, LlmRouter],
})
export class ProvidersModule {}
