import type { Entity } from '@app/common';

/** PostgreSQL types used when a batch is expanded from JSON with jsonb_to_recordset. */
export type ColumnType = 'text' | 'text[]' | 'integer' | 'double precision' | 'timestamptz';

export interface ColumnDefinition {
  /** API (camelCase) field name, as in docs/data-model.md. */
  field: string;
  /** Table column (snake_case). */
  column: string;
  type: ColumnType;
}

export interface EntityDefinition {
  entity: Entity;
  columns: ColumnDefinition[];
  /** The text that is embedded (docs/data-model.md). */
  embedText(record: Record<string, unknown>): string;
  /** Filterable fields stored beside the vector, so searches can filter without a database round trip. */
  filterPayload(record: Record<string, unknown>): Record<string, string>;
  title(record: Record<string, unknown>): string;
  /** Text shown under the title in search results. */
  snippet(record: Record<string, unknown>): string;
}

const SNIPPET_CHARS = 280;

function col(field: string, type: ColumnType = 'text'): ColumnDefinition {
  return { field, column: field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), type };
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function pick(record: Record<string, unknown>, fields: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fields) if (typeof record[f] === 'string' && record[f] !== '') out[f] = record[f];
  return out;
}

function snippetOf(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= SNIPPET_CHARS ? flat : `${flat.slice(0, SNIPPET_CHARS - 1)}…`;
}

const titleAndDescription = (r: Record<string, unknown>) => `${str(r.title)}\n${str(r.description)}`.trim();

export const ENTITY_DEFINITIONS: Record<Entity, EntityDefinition> = {
  work_items: {
    entity: 'work_items',
    columns: [
      col('externalId'),
      col('project'),
      col('title'),
      col('description'),
      col('type'),
      col('status'),
      col('priority'),
      col('assignee'),
      col('reporter'),
      col('storyPoints', 'double precision'),
      col('labels', 'text[]'),
      col('createdAt', 'timestamptz'),
      col('updatedAt', 'timestamptz'),
      col('resolvedAt', 'timestamptz'),
    ],
    embedText: titleAndDescription,
    filterPayload: (r) => pick(r, ['status', 'type', 'priority', 'assignee', 'project']),
    title: (r) => str(r.title),
    snippet: (r) => snippetOf(str(r.description) || str(r.title)),
  },
  pull_requests: {
    entity: 'pull_requests',
    columns: [
      col('externalId'),
      col('repository'),
      col('title'),
      col('description'),
      col('author'),
      col('state'),
      col('reviewers', 'text[]'),
      col('additions', 'integer'),
      col('deletions', 'integer'),
      col('changedFiles', 'integer'),
      col('workItemKeys', 'text[]'),
      col('createdAt', 'timestamptz'),
      col('mergedAt', 'timestamptz'),
      col('closedAt', 'timestamptz'),
    ],
    embedText: titleAndDescription,
    filterPayload: (r) => pick(r, ['repository', 'author', 'state']),
    title: (r) => str(r.title),
    snippet: (r) => snippetOf(str(r.description) || str(r.title)),
  },
  deployments: {
    entity: 'deployments',
    columns: [
      col('externalId'),
      col('service'),
      col('environment'),
      col('status'),
      col('version'),
      col('commitSha'),
      col('startedAt', 'timestamptz'),
      col('finishedAt', 'timestamptz'),
    ],
    embedText: (r) => `${str(r.service)} ${str(r.version)} ${str(r.environment)} ${str(r.status)}`,
    filterPayload: (r) => pick(r, ['service', 'environment', 'status']),
    title: (r) => `${str(r.service)} ${str(r.version)} → ${str(r.environment)}`,
    snippet: (r) => `${str(r.status)}, started ${str(r.startedAt)}`,
  },
};
