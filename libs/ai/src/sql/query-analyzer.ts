import type {
  CommonTableExpr,
  JoinExpr,
  Node,
  RangeFunction,
  RangeSubselect,
  RangeVar,
  SelectStmt,
  WithClause,
} from 'libpg-query';
import { unsupported } from './analyzer/allow-list-checks';
import { CatalogTables } from './analyzer/catalog-tables';
import { ColumnChecker, type ColumnIssue } from './analyzer/column-checker';
import { ExpressionVisitor } from './analyzer/expression-visitor';
import type { CteScope, Level } from './analyzer/name-scope';
import { NestingLimit } from './analyzer/nesting-limit';
import { outputColumns } from './analyzer/output-columns';
import { applyAlias, isNil, kindOf, names, type Columns } from './analyzer/parse-tree';
import { capRowLimit } from './analyzer/cap-row-limit';
import { conjoin, filteredReference, WRAP, type Placement } from './analyzer/tenant-filter';
import type { SqlCatalog } from './sql-catalog';
import { SqlGuardException } from './sql-guard.exception';

export type { ColumnIssue } from './analyzer/column-checker';

export interface Analysis {
  /** The single SELECT, rewritten in place (tenant filters, schema-qualified tables, outer LIMIT). */
  stmt: SelectStmt;
  tables: string[];
  usesTenantParam: boolean;
  limitImposed: boolean;
  columnIssues: ColumnIssue[];
}

/**
 * One pass over a parsed SELECT: refuses anything outside the allow-lists, filters every tenant-scoped
 * table reference to `$1` (see Placement), caps the outer LIMIT, and collects column references that
 * do not exist in the catalog. Name resolution follows PostgreSQL's rules for CTEs (a CTE shadows a
 * table of the same name only where it is visible), so a CTE named like a table cannot dodge the filter.
 * This class walks statements and FROM items; each other step lives in ./analyzer (expressions, allow-list
 * checks, column checks, tenant filters, output column names, the LIMIT cap).
 */
export class QueryAnalyzer {
  private readonly catalog: CatalogTables;
  private readonly columns = new ColumnChecker();
  private readonly tables = new Set<string>();
  private usesTenantParam = false;
  private readonly nesting = new NestingLimit();
  private readonly expressions: ExpressionVisitor;

  constructor(
    catalog: SqlCatalog,
    private readonly rowLimit: number,
  ) {
    this.catalog = new CatalogTables(catalog);
    this.expressions = new ExpressionVisitor(this.columns, this.nesting, (sub, ctes, level) =>
      this.visitSelect(sub, ctes, level),
    );
  }

  analyze(stmt: SelectStmt): Analysis {
    this.visitSelect(stmt, undefined, undefined);
    const limitImposed = capRowLimit(stmt, this.rowLimit);
    return {
      stmt,
      tables: [...this.tables].sort(),
      usesTenantParam: this.usesTenantParam,
      limitImposed,
      columnIssues: this.columns.issues,
    };
  }

  // ---- statements -------------------------------------------------------------------------------

  private visitSelect(stmt: SelectStmt, ctes: CteScope | undefined, outer: Level | undefined): Columns {
    this.nesting.enter();
    try {
      if (stmt.intoClause) {
        throw SqlGuardException.rejected(
          'select_into',
          'SELECT ... INTO creates a table; write a plain SELECT.',
        );
      }
      if (stmt.lockingClause?.length) {
        throw SqlGuardException.rejected(
          'locking_clause',
          'FOR UPDATE / FOR SHARE lock rows; remove the locking clause, queries are read-only.',
        );
      }
      const scope = stmt.withClause ? this.visitWith(stmt.withClause, ctes, outer) : ctes;

      if (stmt.op && stmt.op !== 'SETOP_NONE') {
        if (!stmt.larg || !stmt.rarg) throw unsupported('set operation without both sides');
        const columns = this.visitSelect(stmt.larg, scope, outer);
        this.visitSelect(stmt.rarg, scope, outer);
        // ORDER BY of a set operation names its output columns.
        const level: Level = {
          entries: [{ refname: '', columns }],
          outputNames: new Set(columns ?? []),
          parent: outer,
        };
        this.expressions.visitList(stmt.sortClause, scope, level);
        this.expressions.visit(stmt.limitCount, scope, level);
        this.expressions.visit(stmt.limitOffset, scope, level);
        return columns;
      }

      const level: Level = { entries: [], outputNames: new Set(), parent: outer };
      const where: Placement = { kind: 'where', predicates: [] };
      if (stmt.fromClause) {
        stmt.fromClause = stmt.fromClause.map((item) => this.visitFromItem(item, scope, level, where));
      }
      for (const target of stmt.targetList ?? []) {
        if ('ResTarget' in target && target.ResTarget.name) level.outputNames.add(target.ResTarget.name);
      }
      for (const row of stmt.valuesLists ?? []) this.expressions.visit(row, scope, level);
      for (const target of stmt.targetList ?? []) {
        if (!('ResTarget' in target)) throw unsupported(kindOf(target));
        this.expressions.visit(target.ResTarget.val, scope, level);
      }
      this.expressions.visit(stmt.whereClause, scope, level);
      this.expressions.visitList(stmt.groupClause, scope, level);
      this.expressions.visit(stmt.havingClause, scope, level);
      this.expressions.visitList(stmt.windowClause, scope, level);
      this.expressions.visitList(stmt.sortClause, scope, level);
      this.expressions.visitList(stmt.distinctClause, scope, level);
      this.expressions.visit(stmt.limitCount, scope, level);
      this.expressions.visit(stmt.limitOffset, scope, level);
      // Added after the walk, so the guard's own predicates are never mistaken for the model's.
      stmt.whereClause = conjoin(stmt.whereClause, where);
      return outputColumns(stmt, level);
    } finally {
      this.nesting.leave();
    }
  }

  private visitWith(withClause: WithClause, ctes: CteScope | undefined, outer: Level | undefined): CteScope {
    const scope: CteScope = { names: new Map(), parent: ctes };
    const list: CommonTableExpr[] = (withClause.ctes ?? []).map((node) => {
      if (!('CommonTableExpr' in node)) throw unsupported(kindOf(node));
      return node.CommonTableExpr;
    });
    // WITH RECURSIVE makes every CTE of the list visible in every body; otherwise only earlier ones.
    if (withClause.recursive) {
      for (const cte of list) {
        scope.names.set(cte.ctename ?? '', cte.aliascolnames?.length ? names(cte.aliascolnames) : null);
      }
    }
    for (const cte of list) {
      const body = cte.ctequery;
      if (!body || !('SelectStmt' in body)) {
        throw SqlGuardException.rejected(
          'data_modifying_cte',
          `WITH ${cte.ctename ?? ''} must be a SELECT; data-modifying CTEs (INSERT/UPDATE/DELETE/MERGE) are not allowed.`,
          { cte: cte.ctename },
        );
      }
      const columns = this.visitSelect(body.SelectStmt, scope, outer);
      const aliased = cte.aliascolnames?.length
        ? applyAlias(columns ?? names(cte.aliascolnames), { colnames: cte.aliascolnames })
        : columns;
      scope.names.set(cte.ctename ?? '', aliased);
    }
    return scope;
  }

  // ---- FROM items -------------------------------------------------------------------------------

  private visitFromItem(node: Node, ctes: CteScope | undefined, level: Level, placement: Placement): Node {
    this.nesting.enter();
    try {
      if ('RangeVar' in node) return this.visitRangeVar(node.RangeVar, ctes, level, placement);
      if ('RangeSubselect' in node) {
        this.visitRangeSubselect(node.RangeSubselect, ctes, level);
        return node;
      }
      if ('RangeFunction' in node) {
        this.visitRangeFunction(node.RangeFunction, ctes, level);
        return node;
      }
      if ('JoinExpr' in node) {
        this.visitJoin(node.JoinExpr, ctes, level, placement);
        return node;
      }
      if ('RangeTableSample' in node) {
        throw SqlGuardException.rejected('unsupported_construct', 'TABLESAMPLE is not supported; remove it.');
      }
      if ('RangeTableFunc' in node) {
        throw SqlGuardException.rejected('unsupported_construct', 'XMLTABLE is not supported.');
      }
      throw unsupported(kindOf(node));
    } finally {
      this.nesting.leave();
    }
  }

  private visitRangeVar(rv: RangeVar, ctes: CteScope | undefined, level: Level, placement: Placement): Node {
    const relname = rv.relname ?? '';
    const refname = rv.alias?.aliasname ?? relname;
    this.catalog.rejectCrossDatabase(rv);
    if (!rv.schemaname) {
      for (let s = ctes; s; s = s.parent) {
        if (s.names.has(relname)) {
          level.entries.push({ refname, columns: applyAlias(s.names.get(relname) ?? null, rv.alias) });
          return { RangeVar: rv };
        }
      }
    }
    const table = this.catalog.lookup(rv);
    this.tables.add(relname);
    level.entries.push({ refname, columns: applyAlias([...table.columns], rv.alias) });

    // Schema-qualified, so a CTE of the same name can never capture the inner reference.
    const qualified: RangeVar = {
      schemaname: this.catalog.schema,
      relname,
      inh: rv.inh ?? true,
      relpersistence: rv.relpersistence ?? 'p',
    };
    if (!table.tenantColumn) return { RangeVar: { ...qualified, alias: rv.alias, location: rv.location } };
    this.usesTenantParam = true;
    return filteredReference(rv, qualified, table.tenantColumn, placement);
  }

  private visitRangeSubselect(sub: RangeSubselect, ctes: CteScope | undefined, level: Level): void {
    const query = sub.subquery;
    if (!query || !('SelectStmt' in query)) throw unsupported(query ? kindOf(query) : 'empty subquery');
    // LATERAL or not, resolving against the enclosing level only makes column checks more lenient.
    const columns = this.visitSelect(query.SelectStmt, ctes, level);
    level.entries.push({ refname: sub.alias?.aliasname ?? '', columns: applyAlias(columns, sub.alias) });
  }

  private visitRangeFunction(fn: RangeFunction, ctes: CteScope | undefined, level: Level): void {
    if (fn.coldeflist?.length) {
      throw SqlGuardException.rejected(
        'unsupported_construct',
        'Column definition lists on functions in FROM are not supported.',
      );
    }
    let refname = fn.alias?.aliasname;
    for (const item of fn.functions ?? []) {
      const parts = 'List' in item ? (item.List.items ?? []) : [item];
      const [call, coldefs] = parts;
      if (coldefs && !isNil(coldefs) && !('List' in coldefs && !coldefs.List.items?.length)) {
        throw SqlGuardException.rejected(
          'unsupported_construct',
          'Column definition lists on functions in FROM are not supported.',
        );
      }
      if (!call || !('FuncCall' in call)) throw unsupported(call ? kindOf(call) : 'empty function');
      refname ??= names(call.FuncCall.funcname).at(-1);
      this.expressions.visit(call, ctes, level);
    }
    level.entries.push({ refname: refname ?? '', columns: null });
  }

  /**
   * A predicate on one side of a join is equivalent to filtering that side first when it sits in the ON
   * of an inner join, in the ON of an outer join whose nullable side it is, or (through `placement`) in
   * whatever the join's preserved side inherits. NATURAL/USING joins have no ON to extend, an alias
   * hides the inner names from the outside, and FULL JOIN has no preserved side: those fall back to wrap.
   */
  private visitJoin(join: JoinExpr, ctes: CteScope | undefined, level: Level, placement: Placement): void {
    const before = level.entries.length;
    if (!join.larg || !join.rarg) throw unsupported('join without both sides');
    const on: Placement | undefined =
      join.isNatural || join.usingClause?.length ? undefined : { kind: 'on', predicates: [] };
    const inherited = join.alias ? WRAP : placement;
    let left: Placement;
    let right: Placement;
    switch (join.jointype) {
      case 'JOIN_INNER':
        left = right = on ?? inherited;
        break;
      case 'JOIN_LEFT':
        left = inherited;
        right = on ?? WRAP;
        break;
      case 'JOIN_RIGHT':
        left = on ?? WRAP;
        right = inherited;
        break;
      case 'JOIN_FULL':
      case 'JOIN_SEMI':
      case 'JOIN_ANTI':
      case 'JOIN_RIGHT_ANTI':
      case 'JOIN_UNIQUE_OUTER':
      case 'JOIN_UNIQUE_INNER':
      case undefined:
        left = right = WRAP;
    }
    join.larg = this.visitFromItem(join.larg, ctes, level, left);
    join.rarg = this.visitFromItem(join.rarg, ctes, level, right);
    this.expressions.visit(join.quals, ctes, level);
    if (on) join.quals = conjoin(join.quals, on);
    if (join.alias) {
      // `(a JOIN b) AS j` hides a and b behind j.
      const inner = level.entries.splice(before);
      const all = inner.every((e) => e.columns !== null) ? inner.flatMap((e) => e.columns ?? []) : null;
      level.entries.push({ refname: join.alias.aliasname ?? '', columns: applyAlias(all, join.alias) });
    }
    if (join.join_using_alias?.aliasname) {
      level.entries.push({ refname: join.join_using_alias.aliasname, columns: null });
    }
  }
}
