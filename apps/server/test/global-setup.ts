import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { SUMMARY_FILE_ENV } from './reliability/reliability-support';

/**
 * Gives every test run a fresh, migrated PostgreSQL database and its own Redis key prefix, so runs never
 * see each other's data. The admin connection comes from TEST_DATABASE_ADMIN_URL (default: the local
 * trust-auth server's `test` database).
 */
export default async function globalSetup(): Promise<void> {
  const adminUrl = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgresql://root@127.0.0.1:5432/test';
  const name = `pulse_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();

  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  process.env.DATABASE_URL = url.toString();
  process.env.PULSE_TEST_DATABASE = name;
  process.env.NODE_ENV = 'test';
  process.env.LOG_LEVEL ??= 'silent';
  process.env.ADMIN_TOKEN ??= 'test-admin-token-0123456789';
  process.env.INTEGRATION_SECRET_KEY ??= randomBytes(32).toString('hex');
  process.env.REDIS_PREFIX = `pulse-test-${randomBytes(4).toString('hex')}`;
  process.env[SUMMARY_FILE_ENV] = path.join(tmpdir(), `${name}-reliability.jsonl`);

  const root = path.resolve(__dirname, '../../..');
  execFileSync(
    process.execPath,
    [path.join(root, 'node_modules/prisma/build/index.js'), 'migrate', 'deploy'],
    {
      cwd: root,
      env: process.env,
      stdio: 'pipe',
    },
  );
}
