import type { Alias, Node, RangeVar, SelectStmt } from 'libpg-query';
import { isNil } from './parse-tree';

/**
 * Where the tenant predicate of a table reference goes: the WHERE of its SELECT, the ON of an enclosing
 * join (nullable side of an outer join, or an inner join), or nowhere safe, in which case the reference
 * is replaced by a filtered subselect.
 */
export type Placement = { kind: 'where' | 'on'; predicates: Node[] } | { kind: 'wrap' };

export const WRAP: Placement = { kind: 'wrap' };

/** `<refname>.<tenant column> = $1`. */
export function tenantPredicate(refname: string, column: string): Node {
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
export function conjoin(existing: Node | undefined, placement: Placement): Node | undefined {
  if (placement.kind === 'wrap' || !placement.predicates.length) return existing;
  const args = existing && !isNil(existing) ? [existing, ...placement.predicates] : placement.predicates;
  return args.length === 1 ? args[0] : { BoolExpr: { boolop: 'AND_EXPR', args } };
}

/**
 * A reference to a tenant-scoped table, filtered to the caller: the table itself with `<refname>.<tenant
 * column> = $1` added to `placement`, or, where no predicate placement is equivalent, a filtered subselect.
 * `qualified` is the schema-qualified table, so a CTE of the same name can never capture the inner reference.
 */
export function filteredReference(
  rv: RangeVar,
  qualified: RangeVar,
  tenantColumn: string,
  placement: Placement,
): Node {
  const relname = qualified.relname ?? '';
  const refname = rv.alias?.aliasname ?? relname;
  const reference: Node = { RangeVar: { ...qualified, alias: rv.alias, location: rv.location } };
  // Column aliases could rename the tenant column, so such references are always wrapped.
  if (placement.kind !== 'wrap' && !rv.alias?.colnames?.length) {
    // Keeping the table itself (not a subselect) preserves what PostgreSQL derives from its primary key,
    // e.g. selecting other columns of a table grouped by its key.
    placement.predicates.push(tenantPredicate(refname, tenantColumn));
    return reference;
  }
  // A filtered subselect under the original name stands for the tenant's part of the table anywhere,
  // including both sides of a FULL JOIN, where no ON or WHERE predicate would be equivalent.
  const subquery: SelectStmt = {
    targetList: [{ ResTarget: { val: { ColumnRef: { fields: [{ A_Star: {} }] } } } }],
    fromClause: [{ RangeVar: qualified }],
    whereClause: tenantPredicate(relname, tenantColumn),
    limitOption: 'LIMIT_OPTION_DEFAULT',
    op: 'SETOP_NONE',
  };
  const alias: Alias = { aliasname: refname };
  if (rv.alias?.colnames?.length) alias.colnames = rv.alias.colnames;
  return { RangeSubselect: { subquery: { SelectStmt: subquery }, alias } };
}
