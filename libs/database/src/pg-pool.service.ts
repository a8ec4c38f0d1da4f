import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { Pool, type PoolClient } from 'pg';
import { AppConfig } from '@app/config';

/**
 * A plain pg pool for work Prisma does not model well: generated SQL (column order, duplicate names,
 * SET LOCAL ROLE) and bulk upserts. Shares the database with PrismaService.
 */
@Injectable()
export class PgPoolService implements OnModuleDestroy {
  readonly pool: Pool;

  constructor(config: AppConfig) {
    this.pool = new Pool({ connectionString: config.database.url, max: config.database.poolSize });
    // An idle client's error (e.g. the server terminated it) must not crash the process.
    this.pool.on('error', () => undefined);
  }

  /** Runs fn in a transaction on one connection; rolls back on any error. */
  async transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.end();
  }
}
