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
export class SemanticSqlCompilerService {
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
    // A count of an entity that has no count measure of its own ("the busiest week for insights") is count(*);
    // any other measure the model does not define is a question it cannot answer, never a crash.
    const measureDef: ModelMeasure | undefined = this.model.measures[measure.key];
    if (!measureDef && measure.type !== 'count') {
      throw new SemanticException(
        ErrorCode.CANNOT_ANSWER,
        `The semantic model has no measure "${measure.key}"`,
        {
          understood: plan.explanation,
        },
      );
    }
    const params: string[] = [tenantId];
    const bind = (v: string) => {
      if (mode === 'guard') return literal(v);
      params.push(v);
      return `$${params.length}`;
    };

    const relationship = plan.joins.length > 0 ? this.model.relationships[plan.joins[0]] : undefined;
    const joined = relationship ? this.model.entities[relationship.to.entity] : undefined;
    const next =
      measureDef?.type === 'duration' && typeof measureDef.end === 'object' ? measureDef.end.next : null;
    const aliased = !!joined || !!next;
    const qualify = (ent: string, column: string) =>
      aliased ? `${this.model.entities[ent].alias}.${column}` : column;
    const nextAlias = `${main.alias}_next`;
    const asOf = plan.asOf ?? new Date().toISOString();
    const ref = (r: string) => {
      if (r === 'now') return `${literal(asOf)}::timestamptz`;
      const [ent, col] = r.includes('.') ? r.split('.') : [entity, r];
      return qualify(ent, col);
    };
    const endRef = (m: ModelMeasure & { type: 'duration' }) =>
      typeof m.end === 'object' ? `${nextAlias}.${m.end.next.column}` : ref(m.end);

    const tables = [main.table];
    let from = aliased ? `FROM ${main.table} ${main.alias}` : `FROM ${main.table}`;
    const where: string[] = mode === 'bound' ? [`${qualify(entity, main.tenantColumn)} = $1`] : [];
    if (next) {
      // The next qualifying row of the same tenant and the same `same` columns, read per row (LATERAL); rows
      // without one drop out of the inner join, so they have no duration rather than a made-up one.
      const inner = `${main.alias}n`;
      const col = (c: string) => `${inner}.${c}`;
      const conds = [
        ...(mode === 'bound' ? [`${col(main.tenantColumn)} = $1`] : []),
        `${col(main.tenantColumn)} = ${qualify(entity, main.tenantColumn)}`,
        ...next.same.map((c) => `${col(c)} = ${qualify(entity, c)}`),
        ...next.where.map((c) => this.conditionSql(c, col)),
        `${col(next.after)} > ${qualify(entity, next.after)}`,
      ];
      from += ` JOIN LATERAL (SELECT ${col(next.column)} FROM ${main.table} ${inner} WHERE ${conds.join(' AND ')} ORDER BY ${col(next.after)} ASC LIMIT 1) AS ${nextAlias} ON true`;
    }
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
    const measureCols = measureDef
      ? this.measureSql(measure.aggregation, measure.percentile, measure.alias, measureDef, ref, endRef)
      : [{ sql: 'count(*)', alias: measure.alias }];
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
        const select = cols.map(as);
        const columns = cols.map((c) => c.alias);
        let order = `${qualify(entity, main.defaultTimeColumn)} DESC${idOrder}`;
        const ranked = plan.rowOrder?.measure ? this.perRecord(plan.rowOrder.measure, plan, qualify) : null;
        if (plan.rowOrder && ranked) {
          // Ranked by a measure's value per record: shown, so the ranking can be checked.
          select.push(`${ranked.sql} AS ${ranked.alias}`);
          columns.push(ranked.alias);
          order = `${ranked.alias} ${plan.rowOrder.direction.toUpperCase()} NULLS LAST${idOrder}`;
        } else if (plan.rowOrder) {
          order = `${qualify(entity, plan.rowOrder.column)} ${plan.rowOrder.direction.toUpperCase()} NULLS LAST${idOrder}`;
        }
        const sql = `SELECT ${select.join(', ')} ${from}${whereSql()} ORDER BY ${order}${limit}`;
        return { sql, columns };
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
        if (this.isNumeric(f)) return `${col} = ${this.number(f.values[0])}`;
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
      case 'gte':
      case 'gt':
      case 'lte': {
        const sign = { lt: '<', gte: '>=', gt: '>', lte: '<=' }[f.op];
        // A time column against an instant; any other column against a number (story points), never a cast text.
        const entity = this.model.entities[f.entity];
        if (!entity || entity.timeColumns[f.column])
          return `${col} ${sign} ${literal(f.values[0])}::timestamptz`;
        return `${col} ${sign} ${this.number(f.values[0])}`;
      }
      case 'text_contains':
        // strpos, not LIKE: the user's text needs no escaping of % and _.
        return `strpos(lower(${col}), lower(${value(f.values[0])})) > 0`;
      case 'contains':
        return f.values.length === 1
          ? `${value(f.values[0])} = ANY(${col})`
          : `${col} && ARRAY[${f.values.map(value).join(', ')}]::text[]`;
    }
  }

  /** One record's value of a number or duration measure of its own columns ("size" of one pull request). */
  private perRecord(
    key: string,
    plan: QueryPlan,
    qualify: (entity: string, column: string) => string,
  ): { sql: string; alias: string } {
    const m = this.model.measures[key];
    const ref = (c: string) => qualify(plan.entity!, c);
    if (m?.type === 'number') {
      return { sql: this.expressionSql(m.expression, ref), alias: m.unit ? `${key}_${m.unit}` : key };
    }
    if (m?.type === 'duration' && typeof m.end === 'string' && m.end !== 'now' && !m.via) {
      return {
        sql: `round((extract(epoch FROM (${ref(m.end)} - ${ref(m.start)})) / ${UNIT_SECONDS[m.unit]})::numeric, 2)`,
        alias: `${key}_${m.unit}`,
      };
    }
    throw new SemanticException(ErrorCode.CANNOT_ANSWER, `Records cannot be ranked by ${m?.label ?? key}`, {
      understood: plan.understood ?? plan.explanation,
    });
  }

  /** A comparison of a numeric column (story points): its value is a number, written as one. */
  private isNumeric(f: PlanFilter): boolean {
    const m = Object.values(this.model.measures).find(
      (x) =>
        x.entity === f.entity &&
        x.type === 'number' &&
        'column' in x.expression &&
        x.expression.column === f.column,
    );
    return !!m;
  }

  private number(v: string): string {
    if (!/^-?\d+(?:\.\d+)?$/.test(v)) throw new Error(`not a number: ${v}`);
    return v;
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
    endRef: (m: ModelMeasure & { type: 'duration' }) => string,
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
            : `extract(epoch FROM (${endRef(m)} - ${ref(m.start)})) / ${UNIT_SECONDS[m.unit]}`;
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
