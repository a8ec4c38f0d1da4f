/** What the end-to-end benchmarks share: the whole app on a real port over a fresh database, and rounding. */
import { startLoopbackApp, type LoopbackApp } from '../apps/server/test/support/loopback-app';
import { createMigratedDatabase } from '../libs/database/src/testing/migrated-database';

export const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Benchmarks measure capacity, not the per-tenant rate limits: every class far above what they send. */
export const UNTHROTTLED: Record<string, string> = Object.fromEntries(
  ['QUERY', 'SEARCH', 'EMBED', 'INGEST', 'ADMIN'].map((c) => [`RATE_LIMIT_${c}`, '100000']),
);

export interface BenchApp {
  server: LoopbackApp;
  /** Closes the app and its redis-server, then drops the database. */
  close(): Promise<void>;
}

/**
 * The whole application (role `all`) on a loopback port, with a fresh migrated database (so no rows and no
 * cached embeddings survive from an earlier run) and a private redis-server; `env` adds or overrides settings.
 */
export async function startBenchApp(name: string, env: Record<string, string> = {}): Promise<BenchApp> {
  const db = await createMigratedDatabase(`pulse_bench_${name}`);
  let server: LoopbackApp;
  try {
    server = await startLoopbackApp({ DATABASE_URL: db.url, LOG_LEVEL: 'warn', ...UNTHROTTLED, ...env });
  } catch (err) {
    await db.drop();
    throw err;
  }
  return {
    server,
    async close() {
      try {
        await server.close();
      } finally {
        await db.drop();
      }
    },
  };
}
