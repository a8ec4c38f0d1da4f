import { ENTITIES, type Entity } from '@app/common';

/** One table the generated SQL may read. */
export interface SqlCatalogTable {
  columns: string[];
  /** Column holding the tenant id; when set, every reference is filtered to the caller's tenant. Omit for shared tables. */
  tenantColumn?: string;
}

/**
 * The allow-list the guard checks SQL against: the only tables (and their columns) a query may name.
 * Produced by the semantic layer from its model; `businessCatalog()` describes the real business tables.
 */
export interface SqlCatalog {
  /** Schema the tables live in (default `public`); the only schema a query may name explicitly. */
  schema?: string;
  tables: Record<string, SqlCatalogTable>;
}

const COMMON_TAIL = [
  'content_hash',
  'embed_hash',
  'ingested_at',
  'vectorized_at',
  'embedding_model',
  'vector_hash',
  'vector_error',
];

// Columns as created by prisma/migrations (snake_case forms of docs/data-model.md fields).
const BUSINESS_COLUMNS: Record<Entity, string[]> = {
  work_items: [
    'id',
    'tenant_id',
    'external_id',
    'project',
    'title',
    'description',
    'type',
    'status',
    'priority',
    'assignee',
    'reporter',
    'story_points',
    'labels',
    'created_at',
    'updated_at',
    'resolved_at',
    ...COMMON_TAIL,
  ],
  pull_requests: [
    'id',
    'tenant_id',
    'external_id',
    'repository',
    'title',
    'description',
    'author',
    'state',
    'reviewers',
    'additions',
    'deletions',
    'changed_files',
    'work_item_keys',
    'created_at',
    'merged_at',
    'closed_at',
    ...COMMON_TAIL,
  ],
  deployments: [
    'id',
    'tenant_id',
    'external_id',
    'service',
    'environment',
    'status',
    'version',
    'commit_sha',
    'started_at',
    'finished_at',
    ...COMMON_TAIL,
  ],
};

/** The three business tables of prisma/schema.prisma, all tenant-scoped on `tenant_id`. */
export function businessCatalog(): SqlCatalog {
  const tables: Record<string, SqlCatalogTable> = {};
  for (const entity of ENTITIES) {
    tables[entity] = { columns: [...BUSINESS_COLUMNS[entity]], tenantColumn: 'tenant_id' };
  }
  return { schema: 'public', tables };
}
