import { Injectable } from '@nestjs/common';
import { RedisService } from '@app/database';

/**
 * A counter per tenant and table, bumped by every ETL write that changed rows. Answers remember the counters of
 * the tables they read; a different counter means the rows may be stale. Kept in Redis so that a write served by
 * one pod invalidates the answers cached by every other.
 */
@Injectable()
export class DataGenerations {
  constructor(private readonly redis: RedisService) {}

  async bump(tenantId: string, table: string): Promise<void> {
    await this.redis.client.hincrby(this.key(tenantId), table, 1);
  }

  /** Throws when Redis is unreachable: without the counters no cached answer can be trusted. */
  async read(tenantId: string, tables: readonly string[]): Promise<Record<string, number>> {
    if (tables.length === 0) return {};
    const values = await this.redis.client.hmget(this.key(tenantId), ...tables);
    const out: Record<string, number> = {};
    tables.forEach((t, i) => (out[t] = Number(values[i] ?? 0)));
    return out;
  }

  static same(stored: Record<string, number>, current: Record<string, number>): boolean {
    return Object.keys(current).every((t) => (stored[t] ?? 0) === current[t]);
  }

  private key(tenantId: string): string {
    return this.redis.key('ai', 'gen', tenantId);
  }
}
