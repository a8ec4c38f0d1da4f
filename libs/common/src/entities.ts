/** The business entities of docs/data-model.md, by API name (also their table names). */
export const ENTITIES = ['work_items', 'pull_requests', 'deployments'] as const;
export type Entity = (typeof ENTITIES)[number];

export function isEntity(value: unknown): value is Entity {
  return typeof value === 'string' && (ENTITIES as readonly string[]).includes(value);
}
