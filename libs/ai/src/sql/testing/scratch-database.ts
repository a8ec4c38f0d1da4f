import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Client } from 'pg';

const run = promisify(execFile);

function adminUrl(): string {
  return process.env.TEST_DATABASE_ADMIN_URL ?? 'postgresql://root@127.0.0.1:5432/test';
}

/** A throw-away database on the test server, for corpora that need a schema of their own. */
export class ScratchDatabase {
  private constructor(
    readonly name: string,
    readonly url: string,
  ) {}

  static async create(prefix: string): Promise<ScratchDatabase> {
    const name = `${prefix}_${Date.now()}_${randomBytes(3).toString('hex')}`;
    const admin = new Client({ connectionString: adminUrl() });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    const url = new URL(adminUrl());
    url.pathname = `/${name}`;
    return new ScratchDatabase(name, url.toString());
  }

  /** Runs psql with the given -f/-c arguments in order, stopping at the first error. */
  async psql(args: string[]): Promise<void> {
    try {
      await run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', this.url, ...args], {
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr ?? String(err);
      throw new Error(`psql failed on ${this.name}: ${stderr.trim()}`);
    }
  }

  async drop(): Promise<void> {
    if (process.env.KEEP_TEST_DB === '1') return;
    const admin = new Client({ connectionString: adminUrl() });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  }
}
