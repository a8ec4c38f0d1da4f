import { Client } from 'pg';

/** Drops the run's database (kept when KEEP_TEST_DB=1, for debugging). */
export default async function globalTeardown(): Promise<void> {
  const name = process.env.PULSE_TEST_DATABASE;
  if (!name || process.env.KEEP_TEST_DB === '1') return;
  const admin = new Client({
    connectionString: process.env.TEST_DATABASE_ADMIN_URL ?? 'postgresql://root@127.0.0.1:5432/test',
  });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
