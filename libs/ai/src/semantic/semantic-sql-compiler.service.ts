import { Injectable } from '@nestjs/common';
import { ErrorCode } from '@app/common';
import type { CompiledQuery, PlanAggregation, PlanColumn, PlanFilter, QueryPlan } from './query-plan.types';
import type { ModelCondition, ModelExpression, ModelMeasure, SemanticModel } from './semantic-model.schema';
import { SemanticModelService } from './semantic-model.service';
import { SemanticException } from './semantic.exception';

const UNIT_SECONDS = { minutes: 60, hours: 3600, days: 86_400 } as const;

/** A standard SQL string literal (standard_conforming_strings is on since PostgreSQL 9.1); NUL cannot be stored. */
function literal(v: string): string {
  return `'${v.replace(/\0/g, '').replace(/'/g, "''")}'`;
}

/**
 * Turns a QueryPlan into one PostgreSQL SELECT over the business tables: `$1` is the tenant id (one predicate per
 * table read), free-text values are further parameters, the time window is inlined as ISO timestamps, durations
 * are converted to the unit named in the column alias. The SQL guard still checks the result.
 */
@Injectable()
export class SemanticSqlCompiler {
  private readonly model: SemanticModel;

  constructor(modelService: SemanticModelService) {
    this.model = modelService.model;
  }

  compile(plan: QueryPlan, tenantId: string): CompiledQuery {
    const bound = this.build(plan, tenantId, 'bound');
    const guarded = this.build(plan, tenantId, 'guard');
    return { ...bound, guardSql: guarded.sql };
  }

  /**
   * `bound`: tenant predicates on `$1`, free text as `$2..`; runnable as is.
   * `guard`: no tenant predicates and no parameters (free text as escaped literals), the input SqlGuardService
   * expects: it refuses parameters and adds `<table>.tenant_id = $1` to every tenant-scoped table itself.
   */
  private build(plan: QueryPlan, tenantId: string, mode: 'bound' | 'guard'): Omit<CompiledQuery, 'guardSql'> {
    const { measure, entity } = plan;
    if (!measure || !entity) {
      throw new SemanticException(ErrorCode.CANNOT_ANSWER, 'The question has no measure to compute', {
        understood: plan.explanation,
      });
    }
    const main = this.model.entities[entity];
    const measureDef = this.model.measures[measure.key];
    const params: string[] = [tenantId];
    const bind = (v: string) => {
      if (mode === 'guard') return literal(v);
      params.push(v);
      return `$${params.length}`;
    };

    const relationship = plan.joins.length > 0 ? this.model.relationships[plan.joins[0]] : undefined;
    const joined = relationship ? this.model.entities[relationship.to.entity] : undefined;
    const qualify = (ent: string, column: string) =>
      joined ? `${this.model.entities[ent].alias}.${column}` : column;
    const ref = (r: string) => {
      const [ent, col] = r.includes('.') ? r.split('.') : [entity, r];
      return qualify(ent, col);
    };

    const tables = [main.table];
    let from = `FROM ${main.table}`;
    const where: string[] = mode === 'bound' ? [`${qualify(entity, main.tenantColumn)} = $1`] : [];
    if (relationship && joined) {
      const to = relationship.to.entity;
      const on =
        relationship.join === 'array_contains'
          ? `${qualify(to, relationship.to.column)} = ANY(${qualify(entity, relationship.from.column)})`
          : `${qualify(to, relationship.to.column)} = ${qualify(entity, relationship.from.column)}`;
      from = `FROM ${main.table} ${main.alias} JOIN ${joined.table} ${joined.alias} ON ${qualify(to, joined.tenantColumn)} = ${qualify(entity, main.tenantColumn)} AND ${on}`;
      if (mode === 'bound') where.push(`${qualify(to, joined.tenantColumn)} = $1`);
      tables.push(joined.table);
    }

    for (const f of plan.filters) where.push(this.filterSql(f, qualify(f.entity, f.column), bind));

    const timeCol = plan.time ? qualify(plan.time.entity, plan.time.column) : null;
    if (timeCol && plan.window?.start) where.push(`${timeCol} >= ${literal(plan.window.start)}::timestamptz`);
    if (timeCol && plan.window?.end) where.push(`${timeCol} < ${literal(plan.window.end)}::timestamptz`);
    const timeFiltered = plan.filters.some(
      (f) =>
        f.op === 'not_null' && plan.time && f.entity === plan.time.entity && f.column === plan.time.column,
    );
    if (timeCol && plan.grain && !plan.window && !timeFiltered) where.push(`${timeCol} IS NOT NULL`);

    if (plan.projection && plan.projection.kind !== 'aggregate') {
      const sql = this.recordsSql(plan, from, where, qualify);
      return { ...sql, params: mode === 'bound' ? params : [], tables };
    }

    const select: string[] = [];
    const groupBy: string[] = [];
    const columns: string[] = [];
    const orderKeys: string[] = [];
    if (plan.grain && timeCol) {
      const expr = `date_trunc(${literal(plan.grain)}, ${timeCol}, 'UTC')`;
      select.push(`${expr} AS ${plan.grain}`);
      groupBy.push(expr);
      columns.push(plan.grain);
    }
    for (const d of plan.dimensions) {
      const col = qualify(d.entity, d.column);
      if (d.array) {
        // One row per element: a PR with two reviewers counts once for each.
        from += ` CROSS JOIN LATERAL unnest(${col}) AS ${d.alias}`;
        select.push(d.alias);
        groupBy.push(d.alias);
      } else {
        select.push(col === d.alias ? col : `${col} AS ${d.alias}`);
        groupBy.push(col);
      }
      columns.push(d.alias);
      orderKeys.push(`${d.alias} ASC`);
    }
    const measureCols = this.measureSql(
      measure.aggregation,
      measure.percentile,
      measure.alias,
      measureDef,
      ref,
    );
    select.push(...measureCols.map((c) => `${c.sql} AS ${c.alias}`));
    columns.push(...measureCols.map((c) => c.alias));

    let sql = `SELECT ${select.join(', ')} ${from}`;
    if (where.length > 0) sql += ` WHERE ${where.join(' AND ')}`;
    if (groupBy.length > 0) sql += ` GROUP BY ${groupBy.join(', ')}`;
    const order: string[] = [];
    if (plan.order?.by === 'measure') {
      order.push(`${measure.alias} ${plan.order.direction.toUpperCase()} NULLS LAST`);
      if (plan.grain) order.push(`${plan.grain} ASC`);
      order.push(...orderKeys);
    } else if (plan.order?.by === 'time' && plan.grain) {
      order.push(`${plan.grain} ${plan.order.direction.toUpperCase()}`, ...orderKeys);
    } else if (groupBy.length > 0) {
      order.push(...(plan.grain ? [`${plan.grain} ASC`] : []), ...orderKeys);
    }
    if (order.length > 0) sql += ` ORDER BY ${order.join(', ')}`;
    if (plan.limit !== null) sql += ` LIMIT ${Math.max(1, Math.floor(plan.limit))}`;
    return { sql, params: mode === 'bound' ? params : [], columns, tables };
  }

  /** Records, the distinct values of one field, or fields of named records: no aggregate. */
  private recordsSql(
    plan: QueryPlan,
    from: string,
    where: string[],
    qualify: (entity: string, column: string) => string,
  ): { sql: string; columns: string[] } {
    const entity = plan.entity!;
    const main = this.model.entities[entity];
    const projection = plan.projection!;
    const as = (c: PlanColumn) => {
      const col = qualify(entity, c.column);
      return col === c.alias ? col : `${col} AS ${c.alias}`;
    };
    const whereSql = (extra: string[] = []) =>
      [...where, ...extra].length > 0 ? ` WHERE ${[...where, ...extra].join(' AND ')}` : '';
    const limit = plan.limit !== null ? ` LIMIT ${Math.max(1, Math.floor(plan.limit))}` : '';
    const idOrder = main.idColumn ? `, ${qualify(entity, main.idColumn)} ASC` : '';
    switch (projection.kind) {
      case 'distinct': {
        const c = projection.column;
        const col = qualify(entity, c.column);
        const dim = Object.values(main.dimensions).find((d) => d.column === c.column);
        if (dim?.array) {
          const sql = `SELECT DISTINCT ${c.alias} ${from} CROSS JOIN LATERAL unnest(${col}) AS ${c.alias}${whereSql()} ORDER BY ${c.alias} ASC${limit}`;
          return { sql, columns: [c.alias] };
        }
        const sql = `SELECT DISTINCT ${as(c)} ${from}${whereSql([`${col} IS NOT NULL`])} ORDER BY ${c.alias} ASC${limit}`;
        return { sql, columns: [c.alias] };
      }
      case 'rows':
      case 'lookup': {
        const cols = projection.columns;
        const order = plan.rowOrder
          ? `${qualify(entity, plan.rowOrder.column)} ${plan.rowOrder.direction.toUpperCase()} NULLS LAST${idOrder}`
          : `${qualify(entity, main.defaultTimeColumn)} DESC${idOrder}`;
        const sql = `SELECT ${cols.map(as).join(', ')} ${from}${whereSql()} ORDER BY ${order}${limit}`;
        return { sql, columns: cols.map((c) => c.alias) };
      }
      case 'aggregate':
        throw new Error('aggregates are compiled by build()');
    }
  }

  private filterSql(f: PlanFilter, col: string, bind: (v: string) => string): string {
    const value = (v: string) => (f.parameter ? bind(v) : literal(v));
    const ci = f.parameter && f.caseInsensitive;
    const side = (v: string) => (ci ? `lower(${value(v)})` : value(v));
    const target = ci ? `lower(${col})` : col;
    switch (f.op) {
      case 'eq':
        return `${target} = ${side(f.values[0])}`;
      case 'in':
        return `${target} IN (${f.values.map(side).join(', ')})`;
      case 'not_in':
        return `${target} NOT IN (${f.values.map(side).join(', ')})`;
      case 'is_null':
        return `${col} IS NULL`;
      case 'not_null':
        return `${col} IS NOT NULL`;
      case 'is_empty':
        return `coalesce(cardinality(${col}), 0) = 0`;
      case 'not_empty':
        return `cardinality(${col}) > 0`;
      case 'lt':
        return `${col} < ${literal(f.values[0])}::timestamptz`;
      case 'gte':
        return `${col} >= ${literal(f.values[0])}::timestamptz`;
      case 'text_contains':
        // strpos, not LIKE: the user's text needs no escaping of % and _.
        return `strpos(lower(${col}), lower(${value(f.values[0])})) > 0`;
      case 'contains':
        return f.values.length === 1
          ? `${value(f.values[0])} = ANY(${col})`
          : `${col} && ARRAY[${f.values.map(value).join(', ')}]::text[]`;
    }
  }

  private conditionSql(c: ModelCondition, ref: (r: string) => string): string {
    return this.filterSql(
      {
        entity: '',
        column: c.column,
        op: c.op,
        values: c.values ?? [],
        parameter: false,
        caseInsensitive: false,
        source: '',
      },
      ref(c.column),
      () => {
        throw new Error('model conditions have no parameters');
      },
    );
  }

  private expressionSql(e: ModelExpression, ref: (r: string) => string): string {
    if ('column' in e) return ref(e.column);
    if ('add' in e) return `(${e.add.map(ref).join(' + ')})`;
    return `cardinality(${ref(e.arrayLength)})`;
  }

  private measureSql(
    aggregation: PlanAggregation,
    percentile: number | null,
    alias: string,
    m: ModelMeasure,
    ref: (r: string) => string,
  ): { sql: string; alias: string }[] {
    switch (m.type) {
      case 'count':
        return [{ sql: 'count(*)', alias }];
      case 'ratio': {
        const cond = m.numerator.map((c) => this.conditionSql(c, ref)).join(' AND ');
        return [
          { sql: `round(avg(CASE WHEN ${cond} THEN 1 ELSE 0 END), 4)`, alias },
          { sql: `count(*) FILTER (WHERE ${cond})`, alias: m.numeratorAlias ?? `${alias}_numerator` },
          { sql: 'count(*)', alias: m.denominatorAlias ?? `${alias}_denominator` },
        ];
      }
      case 'number':
      case 'duration': {
        const expr =
          m.type === 'number'
            ? this.expressionSql(m.expression, ref)
            : `extract(epoch FROM (${ref(m.end)} - ${ref(m.start)})) / ${UNIT_SECONDS[m.unit]}`;
        switch (aggregation) {
          case 'sum':
            return [{ sql: `sum(${expr})`, alias }];
          case 'min':
            return [{ sql: `round(min(${expr})::numeric, 2)`, alias }];
          case 'max':
            return [{ sql: `round(max(${expr})::numeric, 2)`, alias }];
          case 'median':
          case 'percentile':
            return [
              {
                sql: `round(percentile_cont(${percentile ?? 0.5}) WITHIN GROUP (ORDER BY ${expr})::numeric, 2)`,
                alias,
              },
            ];
          case 'avg':
          case 'count':
          case 'ratio':
            return [{ sql: `round(avg(${expr})::numeric, 2)`, alias }];
        }
      }
    }
  }
}
