import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PgPoolService } from '@app/database';
import { insertFixtureFor } from '@app/ai/query/testing/query-test-kit';
import {
  createAnalyticsFixture,
  FIXTURE_NOW,
  type AnalyticsFixture,
  type AnalyticsFixtureOptions,
} from '@app/ai/semantic/testing/fixtures';
import { startTestApp, type TestApp } from './test-app';

export interface QueryTestApp extends TestApp {
  pool: PgPoolService['pool'];
  /** `POST /v1/ai/query` as the tenant whose API key is given. */
  ask(apiKey: string, question: string, options?: Record<string, unknown>): ReturnType<TestApp['request']>;
  /**
   * Inserts the analytics fixture's rows for tenants made through the API (the first gets the fixture's larger
   * share); returns the fixture with their ids, for computing expected answers.
   */
  seedFixture(
    tenants: [{ id: string }] | [{ id: string }, { id: string }],
    options: Pick<AnalyticsFixtureOptions, 'seed' | 'size'>,
  ): Promise<AnalyticsFixture>;
  /** Closes the app and removes its data directory. */
  close(): Promise<void>;
}

/**
 * The app as the query specs run it: the fixture's "now" so relative windows have known answers, no reconcile
 * loop, and a data directory of its own.
 */
export async function startQueryTestApp(env: Record<string, string> = {}): Promise<QueryTestApp> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pulse-query-'));
  let t: TestApp;
  try {
    t = await startTestApp({
      DATA_DIR: dataDir,
      RECONCILE_INTERVAL_S: '0',
      QUERY_FIXED_NOW: FIXTURE_NOW.toISOString(),
      ...env,
    });
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const pool = t.app.get(PgPoolService).pool;
  return {
    ...t,
    pool,
    ask: (apiKey, question, options) =>
      t.request({
        method: 'POST',
        url: '/v1/ai/query',
        token: apiKey,
        body: { question, ...(options ? { options } : {}) },
      }),
    seedFixture: (tenants, options) =>
      insertFixtureFor(
        pool,
        createAnalyticsFixture({ ...options, tenants: tenants.length }),
        tenants.map((x) => x.id),
      ),
    async close() {
      try {
        await t.close();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}
