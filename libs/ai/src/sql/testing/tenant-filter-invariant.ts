import { parseSync } from 'pgsql-parser';
import type { SqlCatalog } from '../sql-catalog';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function withoutLocations(v: unknown): string {
  return JSON.stringify(v, (key, value: unknown) => (key === 'location' ? undefined : value));
}

/** Top-level AND-ed terms of a WHERE or ON clause. */
function conjuncts(node: unknown): unknown[] {
  if (isObject(node) && isObject(node.BoolExpr) && node.BoolExpr.boolop === 'AND_EXPR') {
    return (node.BoolExpr.args as unknown[]).flatMap(conjuncts);
  }
  return node === undefined ? [] : [node];
}

function hasTenantConjunct(clause: unknown, refname: string, column: string): boolean {
  const expected = withoutLocations({
    A_Expr: {
      kind: 'AEXPR_OP',
      name: [{ String: { sval: '=' } }],
      lexpr: { ColumnRef: { fields: [{ String: { sval: refname } }, { String: { sval: column } }] } },
      rexpr: { ParamRef: { number: 1 } },
    },
  });
  return conjuncts(clause).some((c) => withoutLocations(c) === expected);
}

type Target = { clause: () => unknown } | 'none';

/**
 * Independent check of the guard's output (written separately from the guard, from the SQL semantics):
 * re-parses the rewritten SQL and lists every reference to a tenant-scoped table whose tenant predicate
 * is not a top-level conjunct of a clause where it is equivalent to filtering the table first (its
 * SELECT's WHERE; the ON of an inner join, or of an outer join on its nullable side), plus every
 * unqualified table name that is not a CTE. The guard promises that this list is always empty.
 */
export function unfilteredTenantReferences(sql: string, catalog: SqlCatalog): string[] {
  const schema = catalog.schema ?? 'public';
  const problems: string[] = [];
  const tree = parseSync(sql);
  const cteNames = new Set<string>();
  JSON.stringify(tree, (key, v: unknown) => {
    if (key === 'CommonTableExpr' && isObject(v)) cteNames.add(String(v.ctename));
    return v;
  });

  const fromItem = (item: unknown, target: Target): void => {
    if (!isObject(item)) return;
    if (isObject(item.RangeVar)) {
      const rv = item.RangeVar;
      const relname = String(rv.relname);
      if (rv.schemaname === undefined) {
        // The guard schema-qualifies every real table, so an unqualified name must be a CTE.
        if (!cteNames.has(relname)) problems.push(`unqualified ${relname}`);
        return;
      }
      const table = rv.schemaname === schema ? catalog.tables[relname] : undefined;
      if (!table?.tenantColumn) return;
      const alias = isObject(rv.alias) ? rv.alias : undefined;
      const refname = typeof alias?.aliasname === 'string' ? alias.aliasname : relname;
      const ok =
        target !== 'none' &&
        !alias?.colnames &&
        hasTenantConjunct(target.clause(), refname, table.tenantColumn);
      if (!ok) problems.push(`${schema}.${relname} AS ${refname}`);
      return;
    }
    if (isObject(item.JoinExpr)) {
      const join = item.JoinExpr;
      const on: Target = join.isNatural || join.usingClause ? 'none' : { clause: () => join.quals };
      const inherited: Target = join.alias ? 'none' : target;
      const sides: Record<string, [Target, Target]> = {
        JOIN_INNER: [on === 'none' ? inherited : on, on === 'none' ? inherited : on],
        JOIN_LEFT: [inherited, on],
        JOIN_RIGHT: [on, inherited],
      };
      const [left, right] = sides[String(join.jointype)] ?? ['none', 'none'];
      fromItem(join.larg, left);
      fromItem(join.rarg, right);
      walk(join.quals);
      return;
    }
    walk(item);
  };

  const select = (stmt: Json): void => {
    for (const key of Object.keys(stmt)) {
      if ((key === 'larg' || key === 'rarg') && isObject(stmt[key])) {
        select(stmt[key]);
      } else if (key === 'fromClause') {
        for (const item of stmt.fromClause as unknown[]) fromItem(item, { clause: () => stmt.whereClause });
      } else {
        walk(stmt[key]);
      }
    }
  };

  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const v of value) walk(v);
      return;
    }
    if (!isObject(value)) return;
    for (const [key, child] of Object.entries(value)) {
      if ((key === 'SelectStmt' || key === 'larg' || key === 'rarg') && isObject(child) && 'op' in child) {
        select(child);
      } else if (key === 'RangeVar') {
        problems.push(`table reference outside FROM: ${JSON.stringify(child)}`);
      } else {
        walk(child);
      }
    }
  };

  walk(tree);
  return problems;
}
