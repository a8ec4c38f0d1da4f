import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { Pool, type PoolClient } from 'pg';
import { AppConfig } from '@app/config';

/**
 * The process's one pg pool (DATABASE_POOL_SIZE connections). Our own SQL reaches it only through
 * `*.repository.ts` classes; generated SQL runs on it under the reader role (SqlExecutorService).
 */
@Injectable()
export class PgPoolService implements OnModuleDestroy {
  readonly pool: Pool;

  constructor(config: AppConfig) {
    this.pool = new Pool({ connectionString: config.database.url, max: config.database.poolSize });
    // A connection the server terminates (pg_terminate_backend, a failover) must not crash the process, whether
    // it is idle (pg-pool re-emits on the pool) or checked out with no query running (pg emits on the client,
    // where pg-pool keeps no listener while it is out). The failure still reaches whoever uses the client next,
    // and pg-pool discards a client that is no longer queryable when it is released.
    this.pool.on('error', () => undefined);
    this.pool.on('connect', (client) => client.on('error', () => undefined));
  }

  /** True when the database answers; throws the driver's error otherwise (readiness shows its message). */
  async ping(): Promise<boolean> {
    await this.pool.query('SELECT 1');
    return true;
  }

  /** Runs fn in a transaction on one connection; rolls back on any error. */
  async transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let failed: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      failed = err instanceof Error ? err : new Error(String(err));
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      // A client whose transaction failed may hold a dead connection: destroy it rather than pool it.
      client.release(failed);
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.end();
  }
}
