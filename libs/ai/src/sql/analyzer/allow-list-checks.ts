import type { FuncCall, Node, TypeName } from 'libpg-query';
import { ALLOWED_FUNCTIONS, ALLOWED_SQL_VALUE_FUNCTIONS, ALLOWED_TYPES } from '../sql-allow-list';
import { SqlGuardException } from '../sql-guard.exception';
import { names } from './parse-tree';

/** Refuses a function outside the allow-list, or one qualified with a schema other than pg_catalog. */
export function checkFunction(call: FuncCall): void {
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
}

/** Refuses an operator qualified with a schema other than pg_catalog (a user-defined operator). */
export function checkOperator(name: Node[] | undefined): void {
  if (!name || name.length <= 1) return;
  const parts = names(name);
  if (parts.length === 2 && parts[0] === 'pg_catalog') return;
  throw SqlGuardException.rejected(
    'operator_not_allowed',
    `Operator ${parts.join('.')} is not allowed; use built-in operators without a schema.`,
    { operator: parts.join('.') },
  );
}

/** Refuses a cast to a type outside the allow-list; the type modifiers are the caller's to check. */
export function checkTypeName(type: TypeName): void {
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
}

/** Refuses SQL value functions that disclose server state (current_user, ...). */
export function checkValueFunction(op: string): void {
  if (ALLOWED_SQL_VALUE_FUNCTIONS.has(op)) return;
  const name = op.replace(/^SVFOP_/, '').toLowerCase();
  throw SqlGuardException.rejected(
    'function_not_allowed',
    `${name} discloses server state and is not allowed.`,
    { function: name },
  );
}

/** The rejection for a construct the analyzer does not know, which is therefore not allowed. */
export function unsupported(kind: string): SqlGuardException {
  return SqlGuardException.rejected(
    'unsupported_construct',
    `${kind} is not supported in generated queries.`,
    {
      construct: kind,
    },
  );
}
