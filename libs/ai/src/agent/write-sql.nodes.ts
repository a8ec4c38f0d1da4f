/**
 * The writeSql subgraph's steps (query-graph.service wires them): retrieve gathers the schema and past questions
 * the prompt needs, generate asks the tenant's model for SQL, validate checks it and sends it back with what is
 * wrong until it passes or the correction limit is reached.
 */
import { Injectable, Logger } from '@nestjs/common';
import type { LangGraphRunnableConfig } from '@langchain/langgraph';
import { ErrorCode } from '@app/common';
import { AppConfig } from '@app/config';
import { EmbeddingService } from '@app/embedding';
import { LlmRouterService } from '../providers';
import { QueryHistoryService } from '../query/query-history.service';
import { SemanticModelService } from '../semantic';
import { parseSql, SqlGuardException, SqlValidatorService } from '../sql';
import { BusinessRulesValidator } from './business-rules.validator';
import type {
  CorrectionNode,
  CorrectionState,
  CorrectionUpdate,
  LlmUsage,
  PastQuestion,
  QueryContext,
  QuestionEmbedding,
  ValidationIssue,
} from './query-state';
import { SchemaRetrieverService } from './retrieval/schema-retriever.service';
import { correctionPrompt, sqlFromCompletion, sqlPrompt } from './sql-prompt';

/** Past questions shown to the model, and how close they must be (USE-lite paraphrases score ~0.5–0.9). */
const EXAMPLES = 3;
const EXAMPLE_MIN_SIMILARITY = 0.45;

/**
 * Gathers what the model needs, in parallel: the question's embedding, the schema subset closest to it, this
 * tenant's similar past questions with their validated SQL, and the business rules of the tables involved.
 */
@Injectable()
export class RetrieveNode implements CorrectionNode {
  readonly name = 'retrieve';
  private readonly logger = new Logger(RetrieveNode.name);

  constructor(
    private readonly embeddings: EmbeddingService,
    private readonly schema: SchemaRetrieverService,
    private readonly history: QueryHistoryService,
    private readonly models: SemanticModelService,
  ) {}

  async run(state: CorrectionState, ctx: QueryContext): Promise<CorrectionUpdate> {
    const { tenantId, question } = ctx;
    const embedding: Promise<QuestionEmbedding | null> = state.embedding
      ? Promise.resolve(state.embedding)
      : this.embeddings.embedOneOrNull(question, 'schema and example retrieval');
    const [vector, tables, examples] = await Promise.all([
      embedding,
      embedding.then((e) => this.schema.relevant(e, state.plan)),
      embedding.then((e) => this.examples(tenantId, e)),
    ]);
    const names = tables.map((t) => t.table);
    return {
      embedding: vector,
      context: {
        tables,
        examples,
        rules: this.rules(names),
        relationships: this.schema.relationships(names),
      },
    };
  }

  private async examples(tenantId: string, e: QuestionEmbedding | null): Promise<PastQuestion[]> {
    if (!e) return [];
    try {
      return await this.history.similar(tenantId, e.vector, e.model, EXAMPLES, EXAMPLE_MIN_SIMILARITY);
    } catch (err) {
      this.logger.warn(`Reading similar past questions failed: ${String(err)}`);
      return [];
    }
  }

  /** The model's rules for measures of the chosen tables. */
  private rules(tables: string[]): string[] {
    const m = this.models.model;
    const entities = new Set(
      Object.entries(m.entities)
        .filter(([, e]) => tables.includes(e.table))
        .map(([k]) => k),
    );
    return m.rules
      .filter((r) => r.measures.some((k) => entities.has(m.measures[k]?.entity ?? '')))
      .map((r) => r.description);
  }
}

/** Output cap per generation: a query fits easily, and the cap bounds the budget hold. */
const MAX_SQL_TOKENS = 512;

/**
 * Asks the tenant's strong LLM (through the router: fallbacks, circuit breakers, budget) for SQL as JSON; in a
 * correction round, the conversation carries each rejected answer and why it was rejected.
 */
@Injectable()
export class GenerateSqlNode implements CorrectionNode {
  readonly name = 'generate';
  private readonly rowLimit: number;

  constructor(
    config: AppConfig,
    private readonly router: LlmRouterService,
  ) {
    this.rowLimit = config.sql.rowLimit;
  }

  async run(
    state: CorrectionState,
    ctx: QueryContext,
    config?: LangGraphRunnableConfig<QueryContext>,
  ): Promise<CorrectionUpdate> {
    const { tenantId, question } = ctx;
    const base = sqlPrompt(question, state.context!, ctx.now, this.rowLimit);
    const messages = state.attempts.length > 0 ? correctionPrompt(base, state.attempts) : base;
    let llmMs = 0;
    const routed = await this.router.route(
      tenantId,
      'complex',
      async (llm) => {
        const completion = await llm.complete({
          messages,
          json: true,
          temperature: 0,
          maxTokens: MAX_SQL_TOKENS,
          signal: config?.signal,
        });
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
}

/**
 * Checks the model's SQL after it was written, in parallel: the guard's syntax and allow-lists plus the column
 * check and EXPLAIN cost bound (SqlValidatorService), and the model's business rules. Nothing runs the query here.
 */
@Injectable()
export class ValidateSqlNode implements CorrectionNode {
  readonly name = 'validate';

  constructor(
    private readonly validator: SqlValidatorService,
    private readonly rules: BusinessRulesValidator,
    private readonly models: SemanticModelService,
  ) {}

  async run(state: CorrectionState, ctx: QueryContext): Promise<CorrectionUpdate> {
    const draft = state.draft!;
    const issues: ValidationIssue[] = [];
    // Parsed once here; the guard (in the validator), the business rules and the guard node read the same tree.
    const parsed = draft.sql ? parseSql(draft.sql) : null;
    if (!parsed) {
      issues.push({
        stage: 'format',
        rule: 'not_json',
        message: 'The answer was not a JSON object with a "sql" string.',
      });
    } else {
      const [checked, ruled] = await Promise.allSettled([
        this.validator.validate(parsed, { catalog: this.models.catalog, tenantId: ctx.tenantId }),
        Promise.resolve().then(() => this.rules.check(parsed)),
      ]);
      if (checked.status === 'rejected') {
        const err: unknown = checked.reason;
        // Anything but a verdict on the query (the database is down) is not the model's to fix.
        if (!(err instanceof SqlGuardException) || err.code !== ErrorCode.SQL_REJECTED) throw err;
        issues.push({
          stage: err.details.stage === 'guard' ? 'guard' : 'validate',
          rule: err.rule,
          message: err.reason,
        });
      }
      if (ruled.status === 'rejected') throw ruled.reason;
      issues.push(...ruled.value);
    }
    return {
      attempts: [{ content: draft.content, sql: draft.sql, issues }],
      candidate: issues.length === 0 && parsed ? { source: 'llm', sql: parsed.sql, parsed } : null,
    };
  }
}
