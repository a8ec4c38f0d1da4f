export const ROUTE_CLASSES = ['query', 'search', 'embed', 'ingest', 'admin'] as const;
export type RouteClass = (typeof ROUTE_CLASSES)[number];

/**
 * The limit class of a route template (Fastify's `routeOptions.url`). Routes not listed (health probes,
 * /metrics, API docs, unmatched URLs) are never limited.
 */
export function routeClassOf(route: string | undefined): RouteClass | undefined {
  if (!route) return undefined;
  if (
    route === '/v1/ai/query' ||
    route.startsWith('/v1/ai/query/') ||
    route.startsWith('/v1/ai/jobs') ||
    route.startsWith('/v1/ai/insights')
  ) {
    return 'query';
  }
  if (route === '/v1/ai/search') return 'search';
  if (route === '/v1/ai/embed') return 'embed';
  if (route.startsWith('/v1/etl/')) return 'ingest';
  if (
    route.startsWith('/v1/admin/') ||
    route.startsWith('/v1/integrations') ||
    route === '/v1/metrics/performance'
  ) {
    return 'admin';
  }
  return undefined;
}
