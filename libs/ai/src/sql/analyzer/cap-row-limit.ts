import type { SelectStmt } from 'libpg-query';
import { constInt, intConst } from './parse-tree';

/** Caps the outermost LIMIT at `rowLimit` in place; true when the LIMIT was added or lowered. */
export function capRowLimit(stmt: SelectStmt, rowLimit: number): boolean {
  const limit = stmt.limitCount;
  if (!limit || ('A_Const' in limit && limit.A_Const.isnull)) {
    stmt.limitCount = intConst(rowLimit);
    if (!stmt.limitOption || stmt.limitOption === 'LIMIT_OPTION_DEFAULT') {
      stmt.limitOption = 'LIMIT_OPTION_COUNT';
    }
    return true;
  }
  const value = constInt(limit);
  if (value !== undefined) {
    if (value <= rowLimit) return false;
    stmt.limitCount = intConst(rowLimit);
    return true;
  }
  // A computed limit: LEAST ignores NULL, so LIMIT NULL-ish expressions still end up capped.
  stmt.limitCount = { MinMaxExpr: { op: 'IS_LEAST', args: [limit, intConst(rowLimit)] } };
  return true;
}
