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
    // An idle client's error (e.g. the server terminated it) must not crash the process.
    this.pool.on('error', () => undefined);
  }

  /** True when the database answers; throws the driver's error otherwise (readiness shows its message). */
  async ping(): Promise<boolean> {
    await this.pool.query('SELECT 1');
    return true;
  }

  /** Runs fn in a transaction on one connection; rolls back on any error. */
  async transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // pg-pool drops its idle error listener while a client is checked out; a backend terminated between two
    // queries of this transaction would then emit an unhandled 'error' and crash the process. The failure
    // still reaches the caller through the next query.
    const onError = () => undefined;
    client.on('error', onError);
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
      client.removeListener('error', onError);
      // A client whose transaction failed may hold a dead connection: destroy it rather than pool it.
      client.release(failed);
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.end();
  }
}
