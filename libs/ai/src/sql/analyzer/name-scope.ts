import type { Columns } from './parse-tree';

/** The CTE names visible at one point of the query, innermost first through `parent`. */
export interface CteScope {
  names: Map<string, Columns>;
  parent?: CteScope;
}

export interface FromEntry {
  refname: string;
  columns: Columns;
}

/** One SELECT level of name resolution; `parent` is the enclosing query (correlated references). */
export interface Level {
  entries: FromEntry[];
  outputNames: Set<string>;
  parent?: Level;
}
