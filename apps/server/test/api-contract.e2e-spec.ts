import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestApp, type TestApp } from './support/test-app';

const ROOT = path.resolve(__dirname, '../../..');
const METHODS = ['get', 'post', 'put', 'delete', 'patch'];
/** The OpenAPI document and its UI are not routes of the document itself. */
const SELF = new Set(['GET /docs', 'GET /docs-json']);

/** `METHOD /path` for every route docs/api.md documents (path parameters written `{name}`). */
function documentedRoutes(markdown: string): Set<string> {
  const routes = new Set<string>();
  for (const m of markdown.matchAll(/`(GET|POST|PUT|DELETE|PATCH) (\/[^\s`]*)/g)) {
    const route = `${m[1]} ${m[2].replace(/\{[^}]+\}/g, '{}')}`;
    if (!SELF.has(route)) routes.add(route);
  }
  return routes;
}

describe('docs/api.md and the OpenAPI document describe the same routes', () => {
  let t: TestApp;
  let doc: { paths: Record<string, Record<string, unknown>> };

  beforeAll(async () => {
    t = await startTestApp();
    const res = await t.request({ method: 'GET', url: '/docs-json' });
    expect(res.status).toBe(200);
    doc = res.body as typeof doc;
  });

  afterAll(async () => {
    await t?.close();
  });

  it('every documented route is in OpenAPI and every OpenAPI route is documented', () => {
    const documented = documentedRoutes(readFileSync(path.join(ROOT, 'docs/api.md'), 'utf8'));
    const served = new Set<string>();
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const m of Object.keys(ops)) {
        if (METHODS.includes(m)) served.add(`${m.toUpperCase()} ${p.replace(/\{[^}]+\}/g, '{}')}`);
      }
    }
    expect([...documented].filter((r) => !served.has(r)).sort()).toEqual([]);
    expect([...served].filter((r) => !documented.has(r)).sort()).toEqual([]);
  });
});
