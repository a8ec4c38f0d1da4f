import { Injectable } from '@nestjs/common';
import type { LangGraphRunnableConfig } from '@langchain/langgraph';
import { ErrorCode } from '@app/common';
import { AppConfig } from '@app/config';
import { MetricsService } from '@app/metrics';
import { LlmException, LlmRouter, type LlmCompletion, type LlmProvider } from '../../providers';
import { correctionPrompt, sqlFromCompletion, sqlPrompt } from '../sql-prompt';
import type { LlmUsage, QueryNode, QueryState, QueryUpdate } from '../query-state';

/** Output cap per generation: a query fits easily, and the cap bounds the budget hold. */
const MAX_SQL_TOKENS = 512;

/**
 * Asks the tenant's strong LLM (through the router: fallbacks, circuit breakers, budget) for SQL as JSON; in a
 * correction round, the conversation carries each rejected answer and why it was rejected.
 */
@Injectable()
export class GenerateSqlNode implements QueryNode {
  readonly name = 'generate';
  private readonly rowLimit: number;

  constructor(
    config: AppConfig,
    private readonly router: LlmRouter,
    private readonly metrics: MetricsService,
  ) {
    this.rowLimit = config.sql.rowLimit;
  }

  async run(state: QueryState, config?: LangGraphRunnableConfig): Promise<QueryUpdate> {
    const { tenantId, question } = state.input;
    const base = sqlPrompt(question, state.context!, state.now, this.rowLimit);
    const messages = state.attempts.length > 0 ? correctionPrompt(base, state.attempts) : base;
    let llmMs = 0;
    const routed = await this.router.route(
      tenantId,
      'complex',
      async (llm) => {
        const completion = await this.call(tenantId, llm, () =>
          llm.complete({
            messages,
            json: true,
            temperature: 0,
            maxTokens: MAX_SQL_TOKENS,
            signal: config?.signal,
          }),
        );
        llmMs += completion.latencyMs;
        return completion;
      },
      { operation: 'generate_sql' },
    );
    const content = routed.value.content;
    const previous = state.llm;
    const llm: LlmUsage = {
      provider: routed.provider,
      model: routed.model,
      costUsd: (previous?.costUsd ?? 0) + routed.costUsd,
      inputTokens: (previous?.inputTokens ?? 0) + routed.inputTokens,
      outputTokens: (previous?.outputTokens ?? 0) + routed.outputTokens,
      calls: (previous?.calls ?? 0) + 1,
      llmMs: (previous?.llmMs ?? 0) + llmMs,
    };
    return { llm, draft: { content, sql: sqlFromCompletion(content) }, timings: { llm: llmMs } };
  }

  /** One provider call, counted in the metrics whatever its outcome (budget refusals and open circuits made none). */
  private async call(
    tenantId: string,
    llm: LlmProvider,
    fn: () => Promise<LlmCompletion>,
  ): Promise<LlmCompletion> {
    const started = performance.now();
    try {
      const c = await fn();
      this.metrics.recordProviderCall(tenantId, {
        provider: llm.name,
        model: llm.model,
        operation: 'chat',
        ok: true,
        inputTokens: c.inputTokens,
        outputTokens: c.outputTokens,
        costUsd: llm.costUsd(c.inputTokens, c.outputTokens),
        latencyMs: c.latencyMs,
      });
      return c;
    } catch (err) {
      const madeNoCall =
        err instanceof LlmException &&
        (err.code === ErrorCode.BUDGET_EXCEEDED || /^circuit open/.test(err.message));
      if (!madeNoCall) {
        this.metrics.recordProviderCall(tenantId, {
          provider: llm.name,
          model: llm.model,
          operation: 'chat',
          ok: false,
          inputTokens: 0,
          outputTokens: 0,
          costUsd: 0,
          latencyMs: performance.now() - started,
        });
      }
      throw err;
    }
  }
}
