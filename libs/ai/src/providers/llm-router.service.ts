import { Injectable } from '@nestjs/common';
import {
  BrokenCircuitError,
  CircuitBreakerPolicy,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
} from 'cockatiel';
import { LRUCache } from 'lru-cache';
import { ErrorCode } from '@app/common';
import { AppConfig } from '@app/config';
import { MetricsService } from '@app/metrics';
import { CostLedgerService } from './cost-ledger.service';
import { LlmBudgetService, type BudgetReservation } from './llm-budget.service';
import { LlmException } from './llm.exception';
import { LlmProvider, type LlmCompletion, type LlmRequest, type LlmRouteTier } from './llm-provider.port';
import { LlmProviderRegistryService } from './llm-provider-registry.service';
import { estimatePromptTokens } from './token-estimate';

export type RouteAttemptOutcome = 'ok' | 'error' | 'circuit_open' | 'budget_exceeded';

export interface RouteAttempt {
  provider: string;
  model: string;
  outcome: RouteAttemptOutcome;
  reason?: string;
}

export interface RouteOptions {
  /** Ledger operation name (default `chat`). */
  operation?: string;
}

export interface RouteResult<T> {
  value: T;
  /** The provider that produced `value`. */
  provider: string;
  model: string;
  /** Spent by this route call, failed attempts on other providers included. */
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  attempts: RouteAttempt[];
}

/** How long a budget hold outlives its call's own timeout before it lapses. */
const HOLD_SLACK_MS = 60_000;

/**
 * Orders a tenant's providers for a tier: those declared for it (or `any`) first, the rest as a last resort.
 * Simple work goes to the cheapest (then by priority); complex work to the preferred strong model (by priority,
 * then cost). Ties break by name so the order is stable.
 */
export function rankProviders(providers: readonly LlmProvider[], tier: LlmRouteTier): LlmProvider[] {
  const cost = (p: LlmProvider) => p.inputCostPer1k + p.outputCostPer1k;
  const byName = (a: LlmProvider, b: LlmProvider) => a.name.localeCompare(b.name);
  const order =
    tier === 'simple'
      ? (a: LlmProvider, b: LlmProvider) => cost(a) - cost(b) || a.priority - b.priority || byName(a, b)
      : (a: LlmProvider, b: LlmProvider) => a.priority - b.priority || cost(a) - cost(b) || byName(a, b);
  const capable = (p: LlmProvider) => p.tier === tier || p.tier === 'any';
  return [...providers.filter(capable).sort(order), ...providers.filter((p) => !capable(p)).sort(order)];
}

interface Spend {
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
}

/**
 * What the router hands to the caller's function: the chosen provider, with every call going through the
 * tenant's circuit breaker for it, a budget hold, the cost ledger and the provider metrics. Remembers which
 * errors were its own so the router can tell a provider failure (fall back) from the caller's (rethrow).
 */
class MeteredProvider extends LlmProvider {
  readonly failures = new Map<unknown, RouteAttemptOutcome>();

  constructor(
    private readonly inner: LlmProvider,
    private readonly tenantId: string,
    private readonly operation: string,
    private readonly defaultMaxTokens: number,
    private readonly breaker: CircuitBreakerPolicy,
    private readonly budget: LlmBudgetService,
    private readonly ledger: CostLedgerService,
    private readonly metrics: MetricsService,
    private readonly spend: Spend,
  ) {
    super(inner);
  }

  /** Provider-call metrics count completions as `chat` whatever the ledger's operation. */
  private get metric() {
    return { provider: this.name, model: this.model, operation: 'chat' as const };
  }

  async complete(req: LlmRequest): Promise<LlmCompletion> {
    // Always cap the output: the cap is what bounds the budget hold.
    const bounded = { ...req, maxTokens: req.maxTokens ?? this.defaultMaxTokens };
    try {
      return await this.breaker.execute(() => this.call(bounded));
    } catch (err) {
      if (err instanceof BrokenCircuitError) {
        const skipped = new LlmException(ErrorCode.DEPENDENCY_UNAVAILABLE, `circuit open for "${this.name}"`);
        this.failures.set(skipped, 'circuit_open');
        throw skipped;
      }
      if (err instanceof LlmException) {
        this.failures.set(err, err.code === ErrorCode.BUDGET_EXCEEDED ? 'budget_exceeded' : 'error');
      }
      throw err;
    }
  }

  private async call(req: LlmRequest & { maxTokens: number }): Promise<LlmCompletion> {
    const entry = {
      tenantId: this.tenantId,
      provider: this.name,
      model: this.model,
      operation: this.operation,
    };
    const estimate = this.costUsd(estimatePromptTokens(req.messages), req.maxTokens);
    let hold: BudgetReservation | undefined;
    // A free provider (a local model) keeps answering when the money is gone.
    if (estimate > 0) {
      try {
        hold = await this.budget.reserve(this.tenantId, estimate, this.timeoutMs + HOLD_SLACK_MS);
      } catch (err) {
        if (err instanceof LlmException)
          await this.ledger.record({ ...entry, latencyMs: 0, outcome: 'budget_exceeded' });
        throw err;
      }
    }
    // Only a call that reached the provider is counted: an open circuit or a budget refusal made none.
    const started = performance.now();
    try {
      const completion = await this.inner.complete(req);
      const costUsd = this.costUsd(completion.inputTokens, completion.outputTokens);
      this.metrics.recordProviderCall(this.tenantId, {
        ...this.metric,
        ok: true,
        inputTokens: completion.inputTokens,
        outputTokens: completion.outputTokens,
        costUsd,
        latencyMs: completion.latencyMs,
      });
      this.spend.costUsd += costUsd;
      this.spend.inputTokens += completion.inputTokens;
      this.spend.outputTokens += completion.outputTokens;
      await this.budget.settle(hold, {
        ...entry,
        inputTokens: completion.inputTokens,
        outputTokens: completion.outputTokens,
        costUsd,
        latencyMs: completion.latencyMs,
        outcome: 'ok',
      });
      return completion;
    } catch (err) {
      const latencyMs = performance.now() - started;
      this.metrics.recordProviderCall(this.tenantId, {
        ...this.metric,
        ok: false,
        inputTokens: 0,
        outputTokens: 0,
        costUsd: 0,
        latencyMs,
      });
      await this.budget.settle(hold, { ...entry, latencyMs, outcome: 'error' });
      throw err;
    }
  }
}

/**
 * Runs LLM work for a tenant on the best available provider for the tier, falling back down the chain on
 * provider failure, skipping providers whose circuit is open for this tenant, within the tenant's budget.
 */
@Injectable()
export class LlmRouterService {
  /** One breaker per tenant and provider name, so one tenant's broken gateway never silences another's. */
  private readonly breakers = new LRUCache<string, CircuitBreakerPolicy>({ max: 10_000 });

  constructor(
    private readonly config: AppConfig,
    private readonly registry: LlmProviderRegistryService,
    private readonly budget: LlmBudgetService,
    private readonly ledger: CostLedgerService,
    private readonly metrics: MetricsService,
  ) {}

  hasProvider(tenantId: string): Promise<boolean> {
    return this.registry.hasProvider(tenantId);
  }

  /**
   * Calls `fn` with a provider, in chain order, until one attempt succeeds. Only failures of the provider
   * handed to `fn` move on to the next; anything else `fn` throws is rethrown as is. Throws
   * LlmException(BUDGET_EXCEEDED) when the budget stopped every provider, else DEPENDENCY_UNAVAILABLE naming
   * what was tried.
   */
  async route<T>(
    tenantId: string,
    tier: LlmRouteTier,
    fn: (llm: LlmProvider) => Promise<T>,
    options: RouteOptions = {},
  ): Promise<RouteResult<T>> {
    const chain = rankProviders(await this.registry.providersFor(tenantId), tier);
    if (chain.length === 0) {
      throw new LlmException(
        ErrorCode.DEPENDENCY_UNAVAILABLE,
        'No LLM provider is configured for this tenant',
        {
          tried: [],
        },
      );
    }
    const spend: Spend = { costUsd: 0, inputTokens: 0, outputTokens: 0 };
    const attempts: RouteAttempt[] = [];
    let budgetRefusal: LlmException | undefined;
    for (const provider of chain) {
      const metered = new MeteredProvider(
        provider,
        tenantId,
        options.operation ?? 'chat',
        this.config.llm.maxTokens,
        this.breakerFor(tenantId, provider.name),
        this.budget,
        this.ledger,
        this.metrics,
        spend,
      );
      try {
        const value = await fn(metered);
        attempts.push({ provider: provider.name, model: provider.model, outcome: 'ok' });
        return { value, provider: provider.name, model: provider.model, ...spend, attempts };
      } catch (err) {
        const outcome = metered.failures.get(err);
        if (!outcome) throw err;
        const reason = (err as LlmException).message;
        attempts.push({ provider: provider.name, model: provider.model, outcome, reason });
        if (outcome === 'budget_exceeded') budgetRefusal = err as LlmException;
      }
    }
    // Retrying cannot help when money, not availability, stopped every provider.
    if (budgetRefusal && attempts.every((a) => a.outcome !== 'error')) {
      throw new LlmException(ErrorCode.BUDGET_EXCEEDED, budgetRefusal.message, {
        ...(budgetRefusal.details as object),
        tried: attempts,
      });
    }
    throw new LlmException(
      ErrorCode.DEPENDENCY_UNAVAILABLE,
      `No LLM provider answered (tried ${attempts.map((a) => `${a.provider}: ${a.outcome}`).join(', ')})`,
      { tried: attempts },
    );
  }

  private breakerFor(tenantId: string, providerName: string): CircuitBreakerPolicy {
    const key = `${tenantId}\u0000${providerName}`;
    let breaker = this.breakers.get(key);
    if (!breaker) {
      // Only provider failures count: a budget refusal or a caller's cancellation says nothing about its health.
      breaker = circuitBreaker(
        handleWhen((err) => err instanceof LlmException && err.code === ErrorCode.DEPENDENCY_UNAVAILABLE),
        {
          halfOpenAfter: this.config.llm.breakerHalfOpenMs,
          breaker: new ConsecutiveBreaker(this.config.llm.breakerFailures),
        },
      );
      this.breakers.set(key, breaker);
    }
    return breaker;
  }
}
