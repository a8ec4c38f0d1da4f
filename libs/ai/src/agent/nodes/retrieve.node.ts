import { Injectable, Logger } from '@nestjs/common';
import { EmbeddingService } from '@app/embedding';
import { QueryHistoryService } from '../../query/query-history.service';
import { SemanticModelService } from '../../semantic';
import { SchemaRetriever } from '../retrieval/schema-retriever.service';
import type { PastQuestion, QueryNode, QueryState, QueryUpdate, QuestionEmbedding } from '../query-state';

/** Past questions shown to the model, and how close they must be (USE-lite paraphrases score ~0.5–0.9). */
const EXAMPLES = 3;
const EXAMPLE_MIN_SIMILARITY = 0.45;

/**
 * Gathers what the model needs, in parallel: the question's embedding, the schema subset closest to it, this
 * tenant's similar past questions with their validated SQL, and the business rules of the tables involved.
 */
@Injectable()
export class RetrieveNode implements QueryNode {
  readonly name = 'retrieve';
  private readonly logger = new Logger(RetrieveNode.name);

  constructor(
    private readonly embeddings: EmbeddingService,
    private readonly schema: SchemaRetriever,
    private readonly history: QueryHistoryService,
    private readonly models: SemanticModelService,
  ) {}

  async run(state: QueryState): Promise<QueryUpdate> {
    const { tenantId, question } = state.input;
    const embedding: Promise<QuestionEmbedding | null> = state.embedding
      ? Promise.resolve(state.embedding)
      : this.embeddings.embedOne(question).then(
          ({ vector, model }) => ({ vector, model }),
          (err: unknown) => {
            this.logger.warn(`Question embedding failed: ${String(err)}`);
            return null;
          },
        );
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
