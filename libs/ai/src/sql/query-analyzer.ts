import type {
  A_Const,
  A_Expr,
  Alias,
  ColumnRef,
  CommonTableExpr,
  FuncCall,
  JoinExpr,
  Node,
  RangeFunction,
  RangeSubselect,
  RangeVar,
  ResTarget,
  SelectStmt,
  SubLink,
  TypeName,
  WindowDef,
  WithClause,
} from 'libpg-query';
import {
  ALLOWED_FUNCTIONS,
  ALLOWED_SQL_VALUE_FUNCTIONS,
  ALLOWED_TYPES,
  SYSTEM_SCHEMAS,
} from './sql-allow-list';
import type { SqlCatalog, SqlCatalogTable } from './sql-catalog';
import { SqlGuardException } from './sql-guard.exception';

/** Output columns of a relation; null when they cannot be worked out with confidence. */
type Columns = string[] | null;

interface CteScope {
  names: Map<string, Columns>;
  parent?: CteScope;
}

interface FromEntry {
  refname: string;
  columns: Columns;
}

/** One SELECT level of name resolution; `parent` is the enclosing query (correlated references). */
interface Level {
  entries: FromEntry[];
  outputNames: Set<string>;
  parent?: Level;
}

/**
 * Where the tenant predicate of a table reference goes: the WHERE of its SELECT, the ON of an enclosing
 * join (nullable side of an outer join, or an inner join), or nowhere safe, in which case the reference
 * is replaced by a filtered subselect.
 */
type Placement = { kind: 'where' | 'on'; predicates: Node[] } | { kind: 'wrap' };

const WRAP: Placement = { kind: 'wrap' };

export interface ColumnIssue {
  column: string;
  reason: string;
}

export interface Analysis {
  /** The single SELECT, rewritten in place (tenant filters, schema-qualified tables, outer LIMIT). */
  stmt: SelectStmt;
  tables: string[];
  usesTenantParam: boolean;
  limitImposed: boolean;
  columnIssues: ColumnIssue[];
}

const MAX_DEPTH = 200;

function str(node: Node | undefined): string | undefined {
  return node && 'String' in node ? node.String.sval : undefined;
}

function names(list: Node[] | undefined): string[] {
  return (list ?? []).map((n) => str(n) ?? '');
}

function kindOf(node: Node): string {
  return Object.keys(node)[0] ?? '';
}

function isNil(node: Node | undefined): boolean {
  return node === undefined || Object.keys(node).length === 0;
}

function intConst(value: number): Node {
  return { A_Const: { ival: { ival: value } } };
}

/** Integer value of a constant LIMIT; protobuf omits zero, so `ival: {}` is 0. */
function constInt(node: Node): number | undefined {
  if (!('A_Const' in node)) return undefined;
  const c: A_Const = node.A_Const;
  if (c.ival) return c.ival.ival ?? 0;
  if (c.fval?.fval !== undefined) return Number(c.fval.fval);
  return undefined;
}

function applyAlias(columns: Columns, alias: Alias | undefined): Columns {
  const colnames = alias?.colnames;
  if (!colnames?.length) return columns;
  const renamed = names(colnames);
  if (columns === null) return null;
  return [...renamed, ...columns.slice(renamed.length)];
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

/** `<refname>.<tenant column> = $1`. */
function tenantPredicate(refname: string, column: string): Node {
  return {
    A_Expr: {
      kind: 'AEXPR_OP',
      name: [{ String: { sval: '=' } }],
      lexpr: { ColumnRef: { fields: [{ String: { sval: refname } }, { String: { sval: column } }] } },
      rexpr: { ParamRef: { number: 1 } },
    },
  };
}

/** `existing AND p1 AND p2 ...`, with the tenant predicates as separate top-level conjuncts. */
function conjoin(existing: Node | undefined, placement: Placement): Node | undefined {
  if (placement.kind === 'wrap' || !placement.predicates.length) return existing;
  const args = existing && !isNil(existing) ? [existing, ...placement.predicates] : placement.predicates;
  return args.length === 1 ? args[0] : { BoolExpr: { boolop: 'AND_EXPR', args } };
}

const SVF_NAMES: Record<string, string> = {
  SVFOP_CURRENT_DATE: 'current_date',
  SVFOP_CURRENT_TIME: 'current_time',
  SVFOP_CURRENT_TIME_N: 'current_time',
  SVFOP_CURRENT_TIMESTAMP: 'current_timestamp',
  SVFOP_CURRENT_TIMESTAMP_N: 'current_timestamp',
  SVFOP_LOCALTIME: 'localtime',
  SVFOP_LOCALTIME_N: 'localtime',
  SVFOP_LOCALTIMESTAMP: 'localtimestamp',
  SVFOP_LOCALTIMESTAMP_N: 'localtimestamp',
};

/**
 * One pass over a parsed SELECT: refuses anything outside the allow-lists, filters every tenant-scoped
 * table reference to `$1` (see Placement), caps the outer LIMIT, and collects column references that
 * do not exist in the catalog. Name resolution follows PostgreSQL's rules for CTEs (a CTE shadows a
 * table of the same name only where it is visible), so a CTE named like a table cannot dodge the filter.
 */
export class QueryAnalyzer {
  private readonly schema: string;
  private readonly tables = new Set<string>();
  private readonly columnIssues: ColumnIssue[] = [];
  private usesTenantParam = false;
  private depth = 0;

  constructor(
    private readonly catalog: SqlCatalog,
    private readonly rowLimit: number,
  ) {
    this.schema = catalog.schema ?? 'public';
  }

  analyze(stmt: SelectStmt): Analysis {
    this.visitSelect(stmt, undefined, undefined);
    const limitImposed = this.enforceLimit(stmt);
    return {
      stmt,
      tables: [...this.tables].sort(),
      usesTenantParam: this.usesTenantParam,
      limitImposed,
      columnIssues: this.columnIssues,
    };
  }

  // ---- statements -------------------------------------------------------------------------------

  private visitSelect(stmt: SelectStmt, ctes: CteScope | undefined, outer: Level | undefined): Columns {
    this.enter();
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
        if (!stmt.larg || !stmt.rarg) throw this.unsupported('set operation without both sides');
        const columns = this.visitSelect(stmt.larg, scope, outer);
        this.visitSelect(stmt.rarg, scope, outer);
        // ORDER BY of a set operation names its output columns.
        const level: Level = {
          entries: [{ refname: '', columns }],
          outputNames: new Set(columns ?? []),
          parent: outer,
        };
        this.visitList(stmt.sortClause, scope, level);
        this.visitExpr(stmt.limitCount, scope, level);
        this.visitExpr(stmt.limitOffset, scope, level);
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
      for (const row of stmt.valuesLists ?? []) this.visitExpr(row, scope, level);
      for (const target of stmt.targetList ?? []) {
        if (!('ResTarget' in target)) throw this.unsupported(kindOf(target));
        this.visitExpr(target.ResTarget.val, scope, level);
      }
      this.visitExpr(stmt.whereClause, scope, level);
      this.visitList(stmt.groupClause, scope, level);
      this.visitExpr(stmt.havingClause, scope, level);
      this.visitList(stmt.windowClause, scope, level);
      this.visitList(stmt.sortClause, scope, level);
      this.visitList(stmt.distinctClause, scope, level);
      this.visitExpr(stmt.limitCount, scope, level);
      this.visitExpr(stmt.limitOffset, scope, level);
      // Added after the walk, so the guard's own predicates are never mistaken for the model's.
      stmt.whereClause = conjoin(stmt.whereClause, where);
      return this.outputColumns(stmt, level);
    } finally {
      this.depth--;
    }
  }

  private visitWith(withClause: WithClause, ctes: CteScope | undefined, outer: Level | undefined): CteScope {
    const scope: CteScope = { names: new Map(), parent: ctes };
    const list: CommonTableExpr[] = (withClause.ctes ?? []).map((node) => {
      if (!('CommonTableExpr' in node)) throw this.unsupported(kindOf(node));
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

  private enforceLimit(stmt: SelectStmt): boolean {
    const limit = stmt.limitCount;
    if (!limit || ('A_Const' in limit && limit.A_Const.isnull)) {
      stmt.limitCount = intConst(this.rowLimit);
      if (!stmt.limitOption || stmt.limitOption === 'LIMIT_OPTION_DEFAULT') {
        stmt.limitOption = 'LIMIT_OPTION_COUNT';
      }
      return true;
    }
    const value = constInt(limit);
    if (value !== undefined) {
      if (value <= this.rowLimit) return false;
      stmt.limitCount = intConst(this.rowLimit);
      return true;
    }
    // A computed limit: LEAST ignores NULL, so LIMIT NULL-ish expressions still end up capped.
    stmt.limitCount = { MinMaxExpr: { op: 'IS_LEAST', args: [limit, intConst(this.rowLimit)] } };
    return true;
  }

  // ---- FROM items -------------------------------------------------------------------------------

  private visitFromItem(node: Node, ctes: CteScope | undefined, level: Level, placement: Placement): Node {
    this.enter();
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
      throw this.unsupported(kindOf(node));
    } finally {
      this.depth--;
    }
  }

  private visitRangeVar(rv: RangeVar, ctes: CteScope | undefined, level: Level, placement: Placement): Node {
    const relname = rv.relname ?? '';
    const refname = rv.alias?.aliasname ?? relname;
    if (rv.catalogname) {
      throw SqlGuardException.rejected(
        'schema_not_allowed',
        `"${rv.catalogname}.${rv.schemaname ?? ''}.${relname}": cross-database references are not allowed.`,
        { table: relname },
      );
    }
    if (!rv.schemaname) {
      for (let s = ctes; s; s = s.parent) {
        if (s.names.has(relname)) {
          level.entries.push({ refname, columns: applyAlias(s.names.get(relname) ?? null, rv.alias) });
          return { RangeVar: rv };
        }
      }
    }
    if (rv.schemaname && rv.schemaname !== this.schema) {
      if (SYSTEM_SCHEMAS.has(rv.schemaname) || rv.schemaname.startsWith('pg_')) {
        throw SqlGuardException.rejected(
          'system_schema',
          `"${rv.schemaname}.${relname}" is a system catalog; only the business tables can be queried: ${this.tableList()}.`,
          { schema: rv.schemaname, table: relname },
        );
      }
      throw SqlGuardException.rejected(
        'schema_not_allowed',
        `Schema "${rv.schemaname}" is not allowed; use unqualified table names (${this.tableList()}).`,
        { schema: rv.schemaname, table: relname },
      );
    }
    const table = this.table(relname);
    if (!table) {
      const system = relname.startsWith('pg_') || SYSTEM_SCHEMAS.has(relname);
      throw SqlGuardException.rejected(
        system ? 'system_schema' : 'table_not_allowed',
        `Table "${relname}" is not available; the tables you can query are: ${this.tableList()}.`,
        { table: relname },
      );
    }
    this.tables.add(relname);
    level.entries.push({ refname, columns: applyAlias([...table.columns], rv.alias) });

    // Schema-qualified, so a CTE of the same name can never capture the inner reference.
    const qualified: RangeVar = {
      schemaname: this.schema,
      relname,
      inh: rv.inh ?? true,
      relpersistence: rv.relpersistence ?? 'p',
    };
    const reference: Node = { RangeVar: { ...qualified, alias: rv.alias, location: rv.location } };
    if (!table.tenantColumn) return reference;
    this.usesTenantParam = true;
    // Column aliases could rename the tenant column, so such references are always wrapped.
    if (placement.kind !== 'wrap' && !rv.alias?.colnames?.length) {
      // Keeping the table itself (not a subselect) preserves what PostgreSQL derives from its primary key,
      // e.g. selecting other columns of a table grouped by its key.
      placement.predicates.push(tenantPredicate(refname, table.tenantColumn));
      return reference;
    }
    // A filtered subselect under the original name stands for the tenant's part of the table anywhere,
    // including both sides of a FULL JOIN, where no ON or WHERE predicate would be equivalent.
    const subquery: SelectStmt = {
      targetList: [{ ResTarget: { val: { ColumnRef: { fields: [{ A_Star: {} }] } } } }],
      fromClause: [{ RangeVar: qualified }],
      whereClause: tenantPredicate(relname, table.tenantColumn),
      limitOption: 'LIMIT_OPTION_DEFAULT',
      op: 'SETOP_NONE',
    };
    const alias: Alias = { aliasname: refname };
    if (rv.alias?.colnames?.length) alias.colnames = rv.alias.colnames;
    return { RangeSubselect: { subquery: { SelectStmt: subquery }, alias } };
  }

  private visitRangeSubselect(sub: RangeSubselect, ctes: CteScope | undefined, level: Level): void {
    const query = sub.subquery;
    if (!query || !('SelectStmt' in query)) throw this.unsupported(query ? kindOf(query) : 'empty subquery');
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
      if (!call || !('FuncCall' in call)) throw this.unsupported(call ? kindOf(call) : 'empty function');
      refname ??= names(call.FuncCall.funcname).at(-1);
      this.visitExpr(call, ctes, level);
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
    if (!join.larg || !join.rarg) throw this.unsupported('join without both sides');
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
    this.visitExpr(join.quals, ctes, level);
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

  // ---- expressions -----------------------------------------------------------------------------

  private visitList(list: Node[] | undefined, ctes: CteScope | undefined, level: Level): void {
    for (const node of list ?? []) this.visitExpr(node, ctes, level);
  }

  private visitExpr(node: Node | undefined, ctes: CteScope | undefined, level: Level): void {
    if (isNil(node) || !node) return;
    this.enter();
    try {
      this.visitExprNode(node, ctes, level);
    } finally {
      this.depth--;
    }
  }

  private visitExprNode(node: Node, ctes: CteScope | undefined, level: Level): void {
    const kind = kindOf(node);
    switch (kind) {
      case 'A_Const':
      case 'String':
      case 'Integer':
      case 'Float':
      case 'Boolean':
      case 'BitString':
      case 'A_Star':
        return;
      case 'ColumnRef':
        return this.resolveColumn((node as { ColumnRef: ColumnRef }).ColumnRef, level);
      case 'ParamRef':
        throw SqlGuardException.rejected(
          'parameter_not_allowed',
          'Query parameters ($1, $2, ...) are not allowed; write literal values.',
        );
      case 'A_Expr': {
        const expr = (node as { A_Expr: A_Expr }).A_Expr;
        this.checkOperator(expr.name);
        this.visitExpr(expr.lexpr, ctes, level);
        this.visitExpr(expr.rexpr, ctes, level);
        return;
      }
      case 'BoolExpr':
      case 'CoalesceExpr':
      case 'MinMaxExpr':
      case 'RowExpr':
      case 'GroupingFunc': {
        const args = (Object.values(node)[0] as { args?: Node[] }).args;
        return this.visitList(args, ctes, level);
      }
      case 'FuncCall':
        return this.visitFuncCall((node as { FuncCall: FuncCall }).FuncCall, ctes, level);
      case 'TypeCast': {
        const cast = (node as { TypeCast: { arg?: Node; typeName?: TypeName } }).TypeCast;
        this.checkType(cast.typeName);
        return this.visitExpr(cast.arg, ctes, level);
      }
      case 'SubLink': {
        const link = (node as { SubLink: SubLink }).SubLink;
        this.checkOperator(link.operName);
        this.visitExpr(link.testexpr, ctes, level);
        const sub = link.subselect;
        if (!sub || !('SelectStmt' in sub)) throw this.unsupported(sub ? kindOf(sub) : 'empty subquery');
        this.visitSelect(sub.SelectStmt, ctes, level);
        return;
      }
      case 'CaseExpr': {
        const c = (node as { CaseExpr: { arg?: Node; args?: Node[]; defresult?: Node } }).CaseExpr;
        this.visitExpr(c.arg, ctes, level);
        this.visitList(c.args, ctes, level);
        return this.visitExpr(c.defresult, ctes, level);
      }
      case 'CaseWhen': {
        const w = (node as { CaseWhen: { expr?: Node; result?: Node } }).CaseWhen;
        this.visitExpr(w.expr, ctes, level);
        return this.visitExpr(w.result, ctes, level);
      }
      case 'NullTest':
      case 'BooleanTest':
      case 'CollateClause':
      case 'NamedArgExpr':
        return this.visitExpr((Object.values(node)[0] as { arg?: Node }).arg, ctes, level);
      case 'A_ArrayExpr':
        return this.visitList(
          (node as { A_ArrayExpr: { elements?: Node[] } }).A_ArrayExpr.elements,
          ctes,
          level,
        );
      case 'A_Indirection': {
        const ind = (node as { A_Indirection: { arg?: Node; indirection?: Node[] } }).A_Indirection;
        this.visitExpr(ind.arg, ctes, level);
        return this.visitList(ind.indirection, ctes, level);
      }
      case 'A_Indices': {
        const idx = (node as { A_Indices: { lidx?: Node; uidx?: Node } }).A_Indices;
        this.visitExpr(idx.lidx, ctes, level);
        return this.visitExpr(idx.uidx, ctes, level);
      }
      case 'List':
        return this.visitList((node as { List: { items?: Node[] } }).List.items, ctes, level);
      case 'GroupingSet':
        return this.visitList(
          (node as { GroupingSet: { content?: Node[] } }).GroupingSet.content,
          ctes,
          level,
        );
      case 'SortBy': {
        const sort = (node as { SortBy: { node?: Node; useOp?: Node[] } }).SortBy;
        this.checkOperator(sort.useOp);
        return this.visitExpr(sort.node, ctes, level);
      }
      case 'WindowDef':
        return this.visitWindow((node as { WindowDef: WindowDef }).WindowDef, ctes, level);
      case 'ResTarget':
        return this.visitExpr((node as { ResTarget: ResTarget }).ResTarget.val, ctes, level);
      case 'SQLValueFunction': {
        const op = (node as { SQLValueFunction: { op?: string } }).SQLValueFunction.op ?? '';
        if (ALLOWED_SQL_VALUE_FUNCTIONS.has(op)) return;
        const name = op.replace(/^SVFOP_/, '').toLowerCase();
        throw SqlGuardException.rejected(
          'function_not_allowed',
          `${name} discloses server state and is not allowed.`,
          { function: name },
        );
      }
      case 'XmlExpr':
      case 'XmlSerialize':
        throw SqlGuardException.rejected('function_not_allowed', 'XML functions are not allowed.');
      default:
        throw this.unsupported(kind);
    }
  }

  private visitFuncCall(call: FuncCall, ctes: CteScope | undefined, level: Level): void {
    const parts = names(call.funcname);
    const name = parts.at(-1) ?? '';
    const qualifiedOk = parts.length === 1 || (parts.length === 2 && parts[0] === 'pg_catalog');
    if (!qualifiedOk || !ALLOWED_FUNCTIONS.has(name)) {
      throw SqlGuardException.rejected(
        'function_not_allowed',
        `Function ${parts.join('.')}() is not allowed. Use standard aggregates (count, sum, avg, min, max, ` +
          `percentile_cont), window, math, string, date/time (date_trunc, extract, age, now), JSON and array functions.`,
        { function: parts.join('.') },
      );
    }
    this.visitList(call.args, ctes, level);
    this.visitList(call.agg_order, ctes, level);
    this.visitExpr(call.agg_filter, ctes, level);
    if (call.over) this.visitWindow(call.over, ctes, level);
  }

  private visitWindow(win: WindowDef, ctes: CteScope | undefined, level: Level): void {
    this.visitList(win.partitionClause, ctes, level);
    this.visitList(win.orderClause, ctes, level);
    this.visitExpr(win.startOffset, ctes, level);
    this.visitExpr(win.endOffset, ctes, level);
  }

  private checkOperator(name: Node[] | undefined): void {
    if (!name || name.length <= 1) return;
    const parts = names(name);
    if (parts.length === 2 && parts[0] === 'pg_catalog') return;
    throw SqlGuardException.rejected(
      'operator_not_allowed',
      `Operator ${parts.join('.')} is not allowed; use built-in operators without a schema.`,
      { operator: parts.join('.') },
    );
  }

  private checkType(type: TypeName | undefined): void {
    if (!type) return;
    const parts = names(type.names);
    const name = parts.at(-1) ?? '';
    const qualifiedOk = parts.length === 1 || (parts.length === 2 && parts[0] === 'pg_catalog');
    if (!qualifiedOk || !ALLOWED_TYPES.has(name) || type.setof || type.pct_type) {
      throw SqlGuardException.rejected(
        'type_not_allowed',
        `Cast to ${parts.join('.')} is not allowed; cast to numeric, integer, text, date, timestamp, ` +
          `timestamptz, interval, boolean, uuid or json types.`,
        { type: parts.join('.') },
      );
    }
    for (const mod of type.typmods ?? [])
      this.visitExprNode(mod, undefined, { entries: [], outputNames: new Set() });
  }

  // ---- columns ---------------------------------------------------------------------------------

  private resolveColumn(ref: ColumnRef, level: Level): void {
    const fields = (ref.fields ?? []).map((f) => ('A_Star' in f ? '*' : (str(f) ?? '')));
    if (fields.length === 1) {
      const [column] = fields;
      if (column === '*' || this.findUnqualified(column, level)) return;
      this.columnIssues.push({
        column,
        reason: `Column "${column}" does not exist${this.suggest(column, level)}.`,
      });
      return;
    }
    if (fields.length !== 2) return;
    const [rel, column] = fields;
    for (let l: Level | undefined = level; l; l = l.parent) {
      const entry = l.entries.find((e) => e.refname === rel);
      if (!entry) continue;
      if (column === '*' || entry.columns === null || entry.columns.includes(column)) return;
      const close = this.closest(column, entry.columns);
      this.columnIssues.push({
        column: `${rel}.${column}`,
        reason:
          `Column "${rel}.${column}" does not exist` +
          (close ? `; did you mean "${rel}.${close}"?` : '') +
          ` "${rel}" has columns: ${entry.columns.join(', ')}.`,
      });
      return;
    }
    // PostgreSQL reads `a.b` as column a's field b when no relation is named a.
    if (this.findUnqualified(rel, level)) return;
    const visible = this.visibleRefnames(level);
    this.columnIssues.push({
      column: `${rel}.${column}`,
      reason: `"${rel}" is not a table or alias in scope here${visible.length ? ` (in scope: ${visible.join(', ')})` : ''}.`,
    });
  }

  private findUnqualified(column: string, level: Level): boolean {
    for (let l: Level | undefined = level; l; l = l.parent) {
      if (l.outputNames.has(column)) return true;
      for (const e of l.entries) {
        if (e.columns === null || e.columns.includes(column) || e.refname === column) return true;
      }
    }
    return false;
  }

  private visibleRefnames(level: Level): string[] {
    const seen: string[] = [];
    for (let l: Level | undefined = level; l; l = l.parent) {
      for (const e of l.entries) if (e.refname && !seen.includes(e.refname)) seen.push(e.refname);
    }
    return seen;
  }

  private suggest(column: string, level: Level): string {
    const candidates: string[] = [];
    const described: string[] = [];
    for (let l: Level | undefined = level; l; l = l.parent) {
      for (const e of l.entries) {
        if (!e.columns) continue;
        candidates.push(...e.columns.map((c) => (e.refname ? `${e.refname}.${c}` : c)));
        if (e.refname) described.push(`${e.refname}(${e.columns.join(', ')})`);
      }
    }
    const close = this.closest(
      column,
      candidates.map((c) => c.split('.').at(-1) ?? c),
    );
    const hint = close ? `; did you mean "${close}"?` : '';
    return described.length ? `${hint} Columns in scope: ${described.join('; ')}` : hint;
  }

  private closest(column: string, candidates: string[]): string | undefined {
    let best: string | undefined;
    let bestDistance = Math.max(2, Math.floor(column.length / 3)) + 1;
    for (const c of candidates) {
      const d = levenshtein(column, c);
      if (d < bestDistance) {
        best = c;
        bestDistance = d;
      }
    }
    return best;
  }

  /** Output column names as PostgreSQL would name them (FigureColname), or null when unsure. */
  private outputColumns(stmt: SelectStmt, level: Level): Columns {
    if (stmt.valuesLists?.length) {
      const first = stmt.valuesLists[0];
      const width = 'List' in first ? (first.List.items?.length ?? 0) : 0;
      return Array.from({ length: width }, (_, i) => `column${i + 1}`);
    }
    const out: string[] = [];
    for (const target of stmt.targetList ?? []) {
      if (!('ResTarget' in target)) return null;
      const { name, val } = target.ResTarget;
      if (name) {
        out.push(name);
        continue;
      }
      if (val && 'ColumnRef' in val) {
        const fields = val.ColumnRef.fields ?? [];
        const last = fields.at(-1);
        if (last && 'A_Star' in last) {
          const rel = fields.length === 2 ? str(fields[0]) : undefined;
          const sources = rel === undefined ? level.entries : level.entries.filter((e) => e.refname === rel);
          if (!sources.length || sources.some((e) => e.columns === null)) return null;
          out.push(...sources.flatMap((e) => e.columns ?? []));
          continue;
        }
      }
      const figured = val ? this.figureName(val) : null;
      if (figured === null) return null;
      out.push(figured);
    }
    return out;
  }

  private figureName(node: Node): string | null {
    if ('ColumnRef' in node) return str(node.ColumnRef.fields?.at(-1)) ?? null;
    if ('FuncCall' in node) return names(node.FuncCall.funcname).at(-1) ?? null;
    if ('TypeCast' in node) {
      const inner = node.TypeCast.arg ? this.figureName(node.TypeCast.arg) : null;
      if (inner !== null && inner !== '?column?') return inner;
      return names(node.TypeCast.typeName?.names).at(-1) ?? null;
    }
    if ('A_Indirection' in node) {
      const last = str(node.A_Indirection.indirection?.at(-1));
      return last ?? (node.A_Indirection.arg ? this.figureName(node.A_Indirection.arg) : null);
    }
    if ('CaseExpr' in node) return 'case';
    if ('CoalesceExpr' in node) return 'coalesce';
    if ('MinMaxExpr' in node) return node.MinMaxExpr.op === 'IS_GREATEST' ? 'greatest' : 'least';
    if ('A_ArrayExpr' in node) return 'array';
    if ('RowExpr' in node) return 'row';
    if ('GroupingFunc' in node) return 'grouping';
    if ('SQLValueFunction' in node) return SVF_NAMES[node.SQLValueFunction.op ?? ''] ?? null;
    if ('SubLink' in node) {
      if (node.SubLink.subLinkType === 'EXISTS_SUBLINK') return 'exists';
      if (node.SubLink.subLinkType === 'ARRAY_SUBLINK') return 'array';
      return null;
    }
    if ('A_Expr' in node) return node.A_Expr.kind === 'AEXPR_NULLIF' ? 'nullif' : '?column?';
    if ('A_Const' in node || 'BoolExpr' in node || 'NullTest' in node || 'BooleanTest' in node)
      return '?column?';
    return null;
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private table(name: string): SqlCatalogTable | undefined {
    return Object.prototype.hasOwnProperty.call(this.catalog.tables, name)
      ? this.catalog.tables[name]
      : undefined;
  }

  private tableList(): string {
    return Object.keys(this.catalog.tables).sort().join(', ');
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) {
      throw SqlGuardException.rejected(
        'too_deep',
        `The query nests deeper than ${MAX_DEPTH} levels; simplify it.`,
      );
    }
  }

  private unsupported(kind: string): SqlGuardException {
    return SqlGuardException.rejected(
      'unsupported_construct',
      `${kind} is not supported in generated queries.`,
      {
        construct: kind,
      },
    );
  }
}
