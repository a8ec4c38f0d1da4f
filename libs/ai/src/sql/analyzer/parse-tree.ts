import type { A_Const, Alias, Node } from 'libpg-query';

/** Output columns of a relation; null when they cannot be worked out with confidence. */
export type Columns = string[] | null;

export function str(node: Node | undefined): string | undefined {
  return node && 'String' in node ? node.String.sval : undefined;
}

export function names(list: Node[] | undefined): string[] {
  return (list ?? []).map((n) => str(n) ?? '');
}

export function kindOf(node: Node): string {
  return Object.keys(node)[0] ?? '';
}

export function isNil(node: Node | undefined): boolean {
  return node === undefined || Object.keys(node).length === 0;
}

export function intConst(value: number): Node {
  return { A_Const: { ival: { ival: value } } };
}

/** Integer value of a constant LIMIT; protobuf omits zero, so `ival: {}` is 0. */
export function constInt(node: Node): number | undefined {
  if (!('A_Const' in node)) return undefined;
  const c: A_Const = node.A_Const;
  if (c.ival) return c.ival.ival ?? 0;
  if (c.fval?.fval !== undefined) return Number(c.fval.fval);
  return undefined;
}

export function applyAlias(columns: Columns, alias: Alias | undefined): Columns {
  const colnames = alias?.colnames;
  if (!colnames?.length) return columns;
  const renamed = names(colnames);
  if (columns === null) return null;
  return [...renamed, ...columns.slice(renamed.length)];
}
