import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SUMMARY_FILE_ENV } from './reliability/reliability-support';
import { createMigratedDatabase } from '../../../libs/database/src/testing/migrated-database';

/**
 * Gives every test run a fresh, migrated PostgreSQL database and its own Redis key prefix, so runs never
 * see each other's data. The admin connection comes from TEST_DATABASE_ADMIN_URL (default: the local
 * trust-auth server's `test` database). The global teardown drops the database.
 */
export default async function globalSetup(): Promise<void> {
  const { name, url } = await createMigratedDatabase('pulse_test');
  process.env.DATABASE_URL = url;
  process.env.PULSE_TEST_DATABASE = name;
  process.env.NODE_ENV = 'test';
  process.env.LOG_LEVEL ??= 'silent';
  process.env.ADMIN_TOKEN ??= 'test-admin-token-0123456789';
  process.env.INTEGRATION_SECRET_KEY ??= randomBytes(32).toString('hex');
  // Our fake LLM/embedding servers listen on 127.0.0.1; production refuses loopback by default.
  process.env.EGRESS_ALLOWED_CIDRS ??= '127.0.0.0/8';
  // Suites that load the server hard would trip the production defaults; the rate-limit suites set their own.
  for (const cls of ['QUERY', 'SEARCH', 'EMBED', 'INGEST', 'ADMIN'])
    process.env[`RATE_LIMIT_${cls}`] ??= '100000';
  process.env.REDIS_PREFIX = `pulse-test-${randomBytes(4).toString('hex')}`;
  process.env[SUMMARY_FILE_ENV] = path.join(tmpdir(), `${name}-reliability.jsonl`);
}
