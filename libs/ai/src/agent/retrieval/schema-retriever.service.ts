import { Injectable, Logger } from '@nestjs/common';
import { dot, EmbeddingService } from '@app/embedding';
import { SemanticModelService, type ModelEntity, type ModelMeasure, type QueryPlan } from '../../semantic';
import type { QuestionEmbedding, SchemaContext } from '../query-state';
import { SchemaColumnsRepository } from './schema-columns.repository';

/** Tables within this cosine of the best one are shown too: USE-lite's margins between related texts are small. */
const TABLE_MARGIN = 0.08;

interface TableDoc {
  table: string;
  entity: string;
  /** Texts embedded for the table: its description and one per column. */
  texts: string[];
  prompt: string;
}

interface EmbeddedDocs {
  model: string;
  tables: { doc: TableDoc; vectors: Float32Array[] }[];
}

function measureText(m: ModelMeasure): string {
  switch (m.type) {
    case 'count':
      return `${m.label}: count(*)`;
    case 'duration': {
      // An age ends now; a time to the next row ends at that row's column (time to restore).
      const e = m.end;
      const end =
        typeof e !== 'object'
          ? e === 'now'
            ? 'now()'
            : e
          : `${e.next.column} of the next row with the same ${e.next.same.join(', ')} where ${e.next.where.map((c) => `${c.column} ${c.op} ${(c.values ?? []).join('/')}`).join(' and ')}, later by ${e.next.after}`;
      return `${m.label}: ${end} - ${m.start}, in ${m.unit}`;
    }
    case 'number': {
      const e = m.expression;
      const expr =
        'column' in e ? e.column : 'add' in e ? e.add.join(' + ') : `cardinality(${e.arrayLength})`;
      return `${m.label}: ${expr}`;
    }
    case 'ratio':
      return `${m.label}: share of rows where ${m.numerator.map((c) => `${c.column} ${c.op} ${(c.values ?? []).join('/')}`).join(' and ')}`;
  }
}

/**
 * The schema subset an LLM sees for a question: the model's tables ranked by embedding similarity between the
 * question and each table's and column's description, with column types (read once from PostgreSQL), allowed
 * values and the measures defined on them. The tenant column is never shown: the guard adds it.
 */
@Injectable()
export class SchemaRetrieverService {
  private readonly logger = new Logger(SchemaRetrieverService.name);
  private docs?: Promise<TableDoc[]>;
  private embedded?: Promise<EmbeddedDocs | null>;

  constructor(
    private readonly models: SemanticModelService,
    private readonly columns: SchemaColumnsRepository,
    private readonly embeddings: EmbeddingService,
  ) {}

  async relevant(embedding: QuestionEmbedding | null, plan: QueryPlan | null): Promise<SchemaContext[]> {
    const docs = await this.tableDocs();
    const embedded = embedding ? await this.embeddedDocs() : null;
    const scored = docs.map((doc) => {
      const vectors =
        embedded && embedded.model === embedding?.model
          ? embedded.tables.find((t) => t.doc.table === doc.table)?.vectors
          : undefined;
      const score = vectors && embedding ? Math.max(...vectors.map((v) => dot(v, embedding.vector))) : 0;
      return { doc, score };
    });
    scored.sort((a, b) => b.score - a.score);
    const best = scored[0]?.score ?? 0;
    const planned = new Set<string>();
    if (plan?.entity) planned.add(this.models.model.entities[plan.entity].table);
    for (const j of plan?.joins ?? []) {
      const rel = this.models.model.relationships[j];
      if (rel) planned.add(this.models.model.entities[rel.to.entity].table);
    }
    const chosen = scored.filter(
      (s, i) => i === 0 || planned.has(s.doc.table) || (embedded && s.score >= best - TABLE_MARGIN),
    );
    return chosen.map((s) => ({
      table: s.doc.table,
      score: Math.round(s.score * 1000) / 1000,
      text: s.doc.prompt,
    }));
  }

  /** Relationships between the given tables, in words the model can turn into a join. */
  relationships(tables: readonly string[]): string[] {
    const m = this.models.model;
    const tableOf = (entity: string) => m.entities[entity].table;
    return Object.values(m.relationships)
      .filter((r) => tables.includes(tableOf(r.from.entity)) || tables.includes(tableOf(r.to.entity)))
      .map((r) => {
        const from = `${tableOf(r.from.entity)}.${r.from.column}`;
        const to = `${tableOf(r.to.entity)}.${r.to.column}`;
        const how = r.join === 'array_contains' ? `${to} = ANY(${from})` : `${to} = ${from}`;
        return `${how}: ${r.description}`;
      });
  }

  private tableDocs(): Promise<TableDoc[]> {
    this.docs ??= this.buildDocs().catch((err: unknown) => {
      this.docs = undefined;
      throw err;
    });
    return this.docs;
  }

  private embeddedDocs(): Promise<EmbeddedDocs | null> {
    this.embedded ??= (async () => {
      const docs = await this.tableDocs();
      const texts = docs.flatMap((d) => d.texts);
      const { model, vectors } = await this.embeddings.embedMany(texts);
      let at = 0;
      return {
        model,
        tables: docs.map((doc) => {
          const own = vectors.slice(at, at + doc.texts.length);
          at += doc.texts.length;
          return { doc, vectors: own };
        }),
      };
    })().catch((err: unknown) => {
      this.logger.warn(`Embedding the schema failed; tables are chosen by the planner only: ${String(err)}`);
      this.embedded = undefined;
      return null;
    });
    return this.embedded;
  }

  private async buildDocs(): Promise<TableDoc[]> {
    const m = this.models.model;
    const tables = Object.values(m.entities).map((e) => e.table);
    const rows = await this.columns.columns(tables);
    const typeOf = (table: string, column: string) => {
      const r = rows.find((x) => x.table === table && x.column === column);
      if (!r) return 'unknown';
      if (r.dataType === 'ARRAY') return `${r.udtName.replace(/^_/, '')}[]`;
      if (r.dataType === 'timestamp with time zone') return 'timestamptz';
      if (r.dataType === 'character varying') return 'text';
      return r.dataType;
    };
    return Object.entries(m.entities).map(([key, e]) => this.tableDoc(key, e, typeOf));
  }

  private tableDoc(key: string, e: ModelEntity, typeOf: (table: string, column: string) => string): TableDoc {
    const m = this.models.model;
    const texts = [`${e.label}: ${e.phrases.join(', ')}`];
    const lines = [`TABLE ${e.table} -- ${e.label}`];
    for (const column of e.columns) {
      if (column === e.tenantColumn) continue;
      const dim = Object.values(e.dimensions).find((d) => d.column === column);
      const time = e.timeColumns[column];
      const notes: string[] = [];
      let text = `${e.label} ${column.replace(/_/g, ' ')}`;
      if (dim) {
        notes.push(dim.label);
        if (dim.values) notes.push(`one of: ${Object.keys(dim.values).join(', ')}`);
        text += `: ${dim.label}, ${dim.phrases.join(', ')}`;
        if (dim.values)
          text += `, ${Object.values(dim.values)
            .flatMap((v) => v.phrases.slice(0, 2))
            .join(', ')}`;
      }
      if (time) {
        notes.push(`when ${time.label}`);
        text += `: when ${time.label}, ${time.phrases.join(', ')}`;
      }
      lines.push(`  ${column} ${typeOf(e.table, column)}${notes.length ? ` -- ${notes.join('; ')}` : ''}`);
      texts.push(text);
    }
    const measures = Object.values(m.measures).filter((x) => x.entity === key);
    if (measures.length > 0) {
      lines.push(`  measures: ${measures.map(measureText).join('; ')}`);
      texts.push(...measures.map((x) => `${x.label}: ${x.phrases.slice(0, 4).join(', ')}`));
    }
    return { table: e.table, entity: key, texts, prompt: lines.join('\n') };
  }
}
