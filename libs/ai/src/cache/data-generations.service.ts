import { Injectable } from '@nestjs/common';
import { DataVersionsRepository } from './data-versions.repository';

/**
 * The data version of each table a tenant's answer read. The database bumps a version in the transaction of
 * every write that changed business rows, whoever wrote them (our ingest, the CLI, another program's SQL or
 * COPY); an answer whose versions differ from the current ones may be stale. Read from PostgreSQL on every
 * lookup rather than from a pushed copy, so the next question after a commit can never see an older version.
 */
@Injectable()
export class DataGenerations {
  constructor(private readonly versions: DataVersionsRepository) {}

  /** Throws when PostgreSQL is unreachable: without the versions no cached answer can be trusted. */
  async read(tenantId: string, tables: readonly string[]): Promise<Record<string, number>> {
    if (tables.length === 0) return {};
    const current = await this.versions.read(tenantId, tables);
    return Object.fromEntries(tables.map((t) => [t, current.get(t) ?? 0]));
  }

  static same(stored: Record<string, number>, current: Record<string, number>): boolean {
    return Object.keys(current).every((t) => (stored[t] ?? 0) === current[t]);
  }
}
