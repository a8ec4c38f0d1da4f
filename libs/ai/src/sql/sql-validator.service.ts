import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import type { ParsedSql } from './parse-sql';
import { SqlExecutorService } from './sql-executor.service';
import { SqlGuardException } from './sql-guard.exception';
import { SqlGuardService } from './sql-guard.service';
import type { GuardContext, GuardResult } from './sql.types';

export interface ValidateContext extends GuardContext {
  tenantId: string;
  /** Default: AppConfig.sql.maxCost. */
  maxCost?: number;
}

export interface ValidatedSql extends GuardResult {
  estimatedCost: number;
  /** The EXPLAIN (FORMAT JSON) plan, for logging and tests. */
  plan: unknown;
}

/**
 * The full pre-flight of generated SQL: the guard (syntax, allow-lists, tenant rewrite), then, in
 * parallel, the column check against the catalog and an EXPLAIN of the rewritten query with its cost
 * bound. Nothing is executed; every failure is a SqlGuardException whose reason the model can act on.
 */
@Injectable()
export class SqlValidatorService {
  constructor(
    private readonly config: AppConfig,
    private readonly guard: SqlGuardService,
    private readonly executor: SqlExecutorService,
  ) {}

  async validate(sql: string | ParsedSql, ctx: ValidateContext): Promise<ValidatedSql> {
    const { result, columnIssues } = this.guard.analyze(sql, ctx);
    const [columns, explained] = await Promise.allSettled([
      Promise.resolve().then(() => {
        if (!columnIssues.length) return;
        throw SqlGuardException.rejected(
          'unknown_column',
          columnIssues.map((i) => i.reason).join(' '),
          { columns: columnIssues.map((i) => i.column) },
          'validate',
        );
      }),
      this.executor.explain(result, { tenantId: ctx.tenantId }),
    ]);
    // The column check names the catalog's columns, which helps a model more than PostgreSQL's message.
    if (columns.status === 'rejected') throw columns.reason;
    if (explained.status === 'rejected') throw this.explainFailure(explained.reason);

    const maxCost = ctx.maxCost ?? this.config.sql.maxCost;
    const { totalCost, plan } = explained.value;
    if (totalCost > maxCost) {
      throw SqlGuardException.rejected(
        'cost_too_high',
        `The query is too expensive (estimated cost ${Math.round(totalCost)} > limit ${maxCost}). ` +
          `Add filters (for example on a date range), aggregate before joining, avoid cross joins and ` +
          `correlated subqueries over large tables.`,
        { estimatedCost: totalCost, maxCost },
        'validate',
      );
    }
    return { ...result, estimatedCost: totalCost, plan };
  }

  private explainFailure(err: unknown): unknown {
    if (!(err instanceof SqlGuardException) || err.rule !== 'execution_failed') return err;
    return SqlGuardException.rejected(
      'explain_failed',
      err.reason.replace(/^PostgreSQL refused the query/, 'PostgreSQL cannot plan the query'),
      { ...err.details, stage: 'validate' },
      'validate',
    );
  }
}
