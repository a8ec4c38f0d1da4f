import { routeClassOf } from './route-class';

describe('routeClassOf', () => {
  it.each([
    ['/v1/ai/query', 'query'],
    ['/v1/ai/query/batch', 'query'],
    ['/v1/ai/query/stream', 'query'],
    ['/v1/ai/jobs', 'query'],
    ['/v1/ai/jobs/:jobId', 'query'],
    ['/v1/ai/insights', 'query'],
    ['/v1/ai/insights/:id/dismiss', 'query'],
    ['/v1/ai/search', 'search'],
    ['/v1/ai/embed', 'embed'],
    ['/v1/etl/:entity/records', 'ingest'],
    ['/v1/admin/tenants', 'admin'],
    ['/v1/integrations/:name', 'admin'],
    ['/v1/metrics/performance', 'admin'],
  ])('%s is limited as %s', (route, cls) => {
    expect(routeClassOf(route)).toBe(cls);
  });

  it.each(['/health/live', '/health/ready', '/metrics', '/docs', '/docs-json', '/console/*', undefined])(
    '%s is never limited',
    (route) => {
      expect(routeClassOf(route)).toBeUndefined();
    },
  );
});
