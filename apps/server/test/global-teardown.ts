import { rmSync } from 'node:fs';
import { dropDatabase } from '../../../libs/database/src/testing/migrated-database';
import { combinedSummary, SUMMARY_FILE_ENV } from './reliability/reliability-support';

/**
 * Prints the reliability suite's combined table (every spec's rows, with totals), then drops the run's
 * database (kept when KEEP_TEST_DB=1, for debugging).
 */
export default async function globalTeardown(): Promise<void> {
  const summaryFile = process.env[SUMMARY_FILE_ENV];
  if (summaryFile) {
    const table = combinedSummary(summaryFile);
    if (table) console.log(`\n${table}\n`);
    rmSync(summaryFile, { force: true });
  }
  const name = process.env.PULSE_TEST_DATABASE;
  if (name && process.env.KEEP_TEST_DB !== '1') await dropDatabase(name);
}
