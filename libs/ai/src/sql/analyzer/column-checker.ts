import type { ColumnRef } from 'libpg-query';
import type { Level } from './name-scope';
import { str } from './parse-tree';

export interface ColumnIssue {
  column: string;
  reason: string;
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

/**
 * Checks column references against the relations in scope and collects, for those that do not exist, a
 * reason naming what does (with a close match when there is one). Unknown columns are reported, not thrown:
 * SqlValidatorService words them for the model.
 */
export class ColumnChecker {
  readonly issues: ColumnIssue[] = [];

  check(ref: ColumnRef, level: Level): void {
    const fields = (ref.fields ?? []).map((f) => ('A_Star' in f ? '*' : (str(f) ?? '')));
    if (fields.length === 1) {
      const [column] = fields;
      if (column === '*' || this.findUnqualified(column, level)) return;
      this.issues.push({
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
      this.issues.push({
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
    this.issues.push({
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
}
