import { Injectable, Logger } from '@nestjs/common';
import { DataGenerations } from '../../cache/data-generations.service';
import { SqlExecutorService } from '../../sql';
import type { QueryNode, QueryState, QueryUpdate } from '../query-state';

/** Runs the guarded SQL as the read-only role of the caller's tenant. */
@Injectable()
export class ExecuteNode implements QueryNode {
  readonly name = 'execute';
  private readonly logger = new Logger(ExecuteNode.name);

  constructor(
    private readonly executor: SqlExecutorService,
    private readonly generations: DataGenerations,
  ) {}

  async run(state: QueryState): Promise<QueryUpdate> {
    const guarded = state.guarded!;
    const { tenantId } = state.input;
    // Read before the rows: a write landing in between makes the cached answer look stale, never fresh.
    const generations = await this.generations.read(tenantId, guarded.tables).catch((err: unknown) => {
      this.logger.warn(`Data generations unreadable, answer not cached: ${String(err)}`);
      return null;
    });
    const asOf = new Date().toISOString();
    const result = await this.executor.execute(guarded, { tenantId });
    return { generations, asOf, result };
  }
}
