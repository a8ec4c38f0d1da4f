import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client } from 'pg';

/** The server's admin connection: TEST_DATABASE_ADMIN_URL, default the local trust-auth server's `test` database. */
const testDatabaseAdminUrl = (): string =>
  process.env.TEST_DATABASE_ADMIN_URL ?? 'postgresql://root@127.0.0.1:5432/test';

const REPO_ROOT = path.resolve(__dirname, '../../../..');

export interface MigratedDatabase {
  name: string;
  url: string;
  /** Drops the database, closing any connection still open to it. */
  drop(): Promise<void>;
}

async function adminQuery(sql: string): Promise<void> {
  const admin = new Client({ connectionString: testDatabaseAdminUrl() });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/**
 * A fresh database named `<prefix>_<time>_<random>` with the project's migrations applied (`prisma migrate
 * deploy`), so a test run or benchmark never sees another one's rows.
 */
export async function createMigratedDatabase(prefix: string): Promise<MigratedDatabase> {
  const name = `${prefix}_${Date.now()}_${randomBytes(3).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(testDatabaseAdminUrl());
  url.pathname = `/${name}`;
  execFileSync(
    process.execPath,
    [path.join(REPO_ROOT, 'node_modules/prisma/build/index.js'), 'migrate', 'deploy'],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, DATABASE_URL: url.toString() },
      stdio: 'pipe',
    },
  );
  return {
    name,
    url: url.toString(),
    drop: () => dropDatabase(name),
  };
}

/** Drops a database on the test server, closing any connection still open to it. */
export function dropDatabase(name: string): Promise<void> {
  return adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
