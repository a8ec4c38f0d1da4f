import type { Node, SelectStmt } from 'libpg-query';
import type { Level } from './name-scope';
import { names, str, type Columns } from './parse-tree';

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

/** Output column names as PostgreSQL would name them (FigureColname), or null when unsure. */
export function outputColumns(stmt: SelectStmt, level: Level): Columns {
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
    const figured = val ? figureName(val) : null;
    if (figured === null) return null;
    out.push(figured);
  }
  return out;
}

function figureName(node: Node): string | null {
  if ('ColumnRef' in node) return str(node.ColumnRef.fields?.at(-1)) ?? null;
  if ('FuncCall' in node) return names(node.FuncCall.funcname).at(-1) ?? null;
  if ('TypeCast' in node) {
    const inner = node.TypeCast.arg ? figureName(node.TypeCast.arg) : null;
    if (inner !== null && inner !== '?column?') return inner;
    return names(node.TypeCast.typeName?.names).at(-1) ?? null;
  }
  if ('A_Indirection' in node) {
    const last = str(node.A_Indirection.indirection?.at(-1));
    return last ?? (node.A_Indirection.arg ? figureName(node.A_Indirection.arg) : null);
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
