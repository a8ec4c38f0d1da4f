import type {
  A_Expr,
  ColumnRef,
  FuncCall,
  Node,
  ResTarget,
  SelectStmt,
  SubLink,
  TypeName,
  WindowDef,
} from 'libpg-query';
import { SqlGuardException } from '../sql-guard.exception';
import {
  checkFunction,
  checkOperator,
  checkTypeName,
  checkValueFunction,
  unsupported,
} from './allow-list-checks';
import type { ColumnChecker } from './column-checker';
import type { CteScope, Level } from './name-scope';
import type { NestingLimit } from './nesting-limit';
import { isNil, kindOf } from './parse-tree';

/** Visits a subquery met inside an expression (EXISTS, IN, scalar), with the expression's level as outer. */
export type SubqueryVisitor = (stmt: SelectStmt, ctes: CteScope | undefined, outer: Level) => void;

/**
 * Walks expressions (targets, WHERE, GROUP BY, ...): refuses what is outside the allow-lists, checks column
 * references and hands subqueries back to the statement visitor. Expressions are never rewritten.
 */
export class ExpressionVisitor {
  constructor(
    private readonly columns: ColumnChecker,
    private readonly nesting: NestingLimit,
    private readonly visitSubquery: SubqueryVisitor,
  ) {}

  visitList(list: Node[] | undefined, ctes: CteScope | undefined, level: Level): void {
    for (const node of list ?? []) this.visit(node, ctes, level);
  }

  visit(node: Node | undefined, ctes: CteScope | undefined, level: Level): void {
    if (isNil(node) || !node) return;
    this.nesting.enter();
    try {
      this.visitExprNode(node, ctes, level);
    } finally {
      this.nesting.leave();
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
        return this.columns.check((node as { ColumnRef: ColumnRef }).ColumnRef, level);
      case 'ParamRef':
        throw SqlGuardException.rejected(
          'parameter_not_allowed',
          'Query parameters ($1, $2, ...) are not allowed; write literal values.',
        );
      case 'A_Expr': {
        const expr = (node as { A_Expr: A_Expr }).A_Expr;
        checkOperator(expr.name);
        this.visit(expr.lexpr, ctes, level);
        this.visit(expr.rexpr, ctes, level);
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
        return this.visit(cast.arg, ctes, level);
      }
      case 'SubLink': {
        const link = (node as { SubLink: SubLink }).SubLink;
        checkOperator(link.operName);
        this.visit(link.testexpr, ctes, level);
        const sub = link.subselect;
        if (!sub || !('SelectStmt' in sub)) throw unsupported(sub ? kindOf(sub) : 'empty subquery');
        this.visitSubquery(sub.SelectStmt, ctes, level);
        return;
      }
      case 'CaseExpr': {
        const c = (node as { CaseExpr: { arg?: Node; args?: Node[]; defresult?: Node } }).CaseExpr;
        this.visit(c.arg, ctes, level);
        this.visitList(c.args, ctes, level);
        return this.visit(c.defresult, ctes, level);
      }
      case 'CaseWhen': {
        const w = (node as { CaseWhen: { expr?: Node; result?: Node } }).CaseWhen;
        this.visit(w.expr, ctes, level);
        return this.visit(w.result, ctes, level);
      }
      case 'NullTest':
      case 'BooleanTest':
      case 'CollateClause':
      case 'NamedArgExpr':
        return this.visit((Object.values(node)[0] as { arg?: Node }).arg, ctes, level);
      case 'A_ArrayExpr':
        return this.visitList(
          (node as { A_ArrayExpr: { elements?: Node[] } }).A_ArrayExpr.elements,
          ctes,
          level,
        );
      case 'A_Indirection': {
        const ind = (node as { A_Indirection: { arg?: Node; indirection?: Node[] } }).A_Indirection;
        this.visit(ind.arg, ctes, level);
        return this.visitList(ind.indirection, ctes, level);
      }
      case 'A_Indices': {
        const idx = (node as { A_Indices: { lidx?: Node; uidx?: Node } }).A_Indices;
        this.visit(idx.lidx, ctes, level);
        return this.visit(idx.uidx, ctes, level);
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
        checkOperator(sort.useOp);
        return this.visit(sort.node, ctes, level);
      }
      case 'WindowDef':
        return this.visitWindow((node as { WindowDef: WindowDef }).WindowDef, ctes, level);
      case 'ResTarget':
        return this.visit((node as { ResTarget: ResTarget }).ResTarget.val, ctes, level);
      case 'SQLValueFunction':
        return checkValueFunction((node as { SQLValueFunction: { op?: string } }).SQLValueFunction.op ?? '');
      case 'XmlExpr':
      case 'XmlSerialize':
        throw SqlGuardException.rejected('function_not_allowed', 'XML functions are not allowed.');
      default:
        throw unsupported(kind);
    }
  }

  private visitFuncCall(call: FuncCall, ctes: CteScope | undefined, level: Level): void {
    checkFunction(call);
    this.visitList(call.args, ctes, level);
    this.visitList(call.agg_order, ctes, level);
    this.visit(call.agg_filter, ctes, level);
    if (call.over) this.visitWindow(call.over, ctes, level);
  }

  private visitWindow(win: WindowDef, ctes: CteScope | undefined, level: Level): void {
    this.visitList(win.partitionClause, ctes, level);
    this.visitList(win.orderClause, ctes, level);
    this.visit(win.startOffset, ctes, level);
    this.visit(win.endOffset, ctes, level);
  }

  private checkType(type: TypeName | undefined): void {
    if (!type) return;
    checkTypeName(type);
    for (const mod of type.typmods ?? [])
      this.visitExprNode(mod, undefined, { entries: [], outputNames: new Set() });
  }
}
