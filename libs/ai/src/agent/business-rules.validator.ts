import { Injectable, type OnModuleInit } from '@nestjs/common';
import { SemanticModelService, type ModelCondition } from '../semantic';
import { loadSqlParser, type ParsedSql } from '../sql';
import type { ValidationIssue } from './query-state';

interface DurationRule {
  measure: string;
  /** Tables the measure reads (its entity's, and a joined one's when start or end lives there). */
  tables: string[];
  start: string;
  end: string;
  conditions: ModelCondition[];
  description: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function walk(node: Json, visit: (key: string, value: Json) => void): void {
  if (Array.isArray(node)) {
    for (const n of node) walk(n, visit);
  } else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      visit(k, v);
      walk(v, visit);
    }
  }
}

/** The last name of every column reference in a subtree (`wi.status` → `status`). */
function columnNames(node: Json): Set<string> {
  const out = new Set<string>();
  walk(node, (k, v) => {
    if (k !== 'ColumnRef' || !v || typeof v !== 'object' || Array.isArray(v)) return;
    const fields = v.fields;
    if (!Array.isArray(fields)) return;
    const last = fields[fields.length - 1] as { String?: { sval?: string } } | undefined;
    if (last?.String?.sval) out.add(last.String.sval);
  });
  return out;
}

function tableNames(node: Json): Set<string> {
  const out = new Set<string>();
  walk(node, (k, v) => {
    if (
      k === 'RangeVar' &&
      v &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      typeof v.relname === 'string'
    ) {
      out.add(v.relname);
    }
  });
  return out;
}

function stringConstants(node: Json): Set<string> {
  const out = new Set<string>();
  walk(node, (k, v) => {
    if (k === 'A_Const' && v && typeof v === 'object' && !Array.isArray(v)) {
      const s = (v.sval as { sval?: string } | undefined)?.sval;
      if (typeof s === 'string') out.add(s);
    }
  });
  return out;
}

/**
 * Checks of the model's business rules that the SQL guard cannot know about, on the parsed query (read only; the
 * same tree feeds the guard): the tenant column
 * is never named (the guard adds the filter), and a query computing a duration measure (cycle time, time to merge,
 * lead time, deployment duration) applies that measure's rules (e.g. only items that reached done).
 */
@Injectable()
export class BusinessRulesValidator implements OnModuleInit {
  private readonly tenantColumns: Set<string>;
  private readonly durationRules: DurationRule[];

  constructor(models: SemanticModelService) {
    const m = models.model;
    this.tenantColumns = new Set(Object.values(m.entities).map((e) => e.tenantColumn));
    this.durationRules = [];
    for (const [key, measure] of Object.entries(m.measures)) {
      // An age (to now) or a time to the next row has no `end - start` of two columns to recognise in SQL.
      if (measure.type !== 'duration' || typeof measure.end !== 'string' || measure.end === 'now') continue;
      const end = measure.end;
      const rules = m.rules.filter((r) => r.measures.includes(key));
      const conditions = rules.flatMap((r) => r.where);
      if (conditions.length === 0) continue;
      const bare = (ref: string) => ref.split('.').pop() ?? ref;
      const tableOf = (ref: string) =>
        m.entities[ref.includes('.') ? ref.split('.')[0] : measure.entity]?.table;
      this.durationRules.push({
        measure: measure.label,
        tables: [...new Set([measure.start, end].map(tableOf).filter((t): t is string => !!t))],
        start: bare(measure.start),
        end: bare(end),
        conditions,
        description: rules.map((r) => r.description).join(' '),
      });
    }
  }

  async onModuleInit(): Promise<void> {
    await loadSqlParser();
  }

  /** Issues found; empty when the query follows the rules (or does not parse: the guard reports that). */
  check(parsed: ParsedSql): ValidationIssue[] {
    if (!parsed.ok) return [];
    const tree = parsed.tree as unknown as Json;
    const issues: ValidationIssue[] = [];
    const columns = columnNames(tree);
    const named = [...this.tenantColumns].filter((c) => columns.has(c));
    if (named.length > 0) {
      issues.push({
        stage: 'rules',
        rule: 'tenant_column',
        message: `Do not reference ${named.join(', ')}: the tenant filter is added automatically.`,
      });
    }
    const constants = stringConstants(tree);
    const tables = tableNames(tree);
    for (const rule of this.durationRules) {
      if (!rule.tables.every((t) => tables.has(t)) || !this.computes(tree, rule)) continue;
      const missing = rule.conditions.filter(
        (c) => !columns.has(c.column) || (c.values ?? []).some((v) => !constants.has(v)),
      );
      if (missing.length === 0) continue;
      issues.push({
        stage: 'rules',
        rule: 'business_rule',
        message:
          `The query computes ${rule.measure} but does not apply its rule: ${rule.description} ` +
          `Add: ${missing.map((c) => this.conditionSql(c)).join(' AND ')}.`,
      });
    }
    return issues;
  }

  /** Whether some `a - b` in the query has the measure's end column on the left and its start on the right. */
  private computes(tree: Json, rule: DurationRule): boolean {
    let found = false;
    walk(tree, (k, v) => {
      if (found || k !== 'A_Expr' || !v || typeof v !== 'object' || Array.isArray(v)) return;
      const op = (v.name as { String?: { sval?: string } }[] | undefined)?.[0]?.String?.sval;
      if (op !== '-') return;
      found = columnNames(v.lexpr ?? null).has(rule.end) && columnNames(v.rexpr ?? null).has(rule.start);
    });
    return found;
  }

  private conditionSql(c: ModelCondition): string {
    const values = (c.values ?? []).map((v) => `'${v}'`);
    switch (c.op) {
      case 'eq':
        return `${c.column} = ${values[0]}`;
      case 'in':
        return `${c.column} IN (${values.join(', ')})`;
      case 'not_in':
        return `${c.column} NOT IN (${values.join(', ')})`;
      case 'is_null':
        return `${c.column} IS NULL`;
      case 'not_null':
        return `${c.column} IS NOT NULL`;
      case 'contains':
        return `${values[0]} = ANY(${c.column})`;
      case 'is_empty':
        return `coalesce(cardinality(${c.column}), 0) = 0`;
      case 'not_empty':
        return `cardinality(${c.column}) > 0`;
      case 'lt':
        return `${c.column} < ${values[0]}`;
      case 'gte':
        return `${c.column} >= ${values[0]}`;
      case 'gt':
        return `${c.column} > ${values[0]}`;
      case 'lte':
        return `${c.column} <= ${values[0]}`;
      case 'text_contains':
        return `strpos(lower(${c.column}), lower(${values[0]})) > 0`;
    }
  }
}
