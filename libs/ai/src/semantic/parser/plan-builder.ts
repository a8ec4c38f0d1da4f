import type { PlanColumn, PlanMeasure, QueryPlan } from '../query-plan.types';
import type { SemanticModel } from '../semantic-model.schema';
import type { LogicalForm } from './logical-form.types';
import { splitColumn } from './joined-reading';
import { restate } from './restatement';

/** `order.by` of records ranked by a measure's value per record. */
export const BY_MEASURE = 'measure:';

const AGG_WORD: Record<string, string> = {
  avg: 'avg',
  median: 'median',
  sum: 'total',
  min: 'min',
  max: 'max',
};

/** The answer column of a field: its dimension key, `id` for the record id, else the column itself. */
function columnOf(model: SemanticModel, entity: string, column: string): PlanColumn {
  const e = model.entities[entity];
  if (column === e.idColumn) return { column, alias: 'id' };
  const dim = Object.entries(e.dimensions).find(([, d]) => d.column === column);
  return { column, alias: dim ? dim[0] : column };
}

function measureOf(model: SemanticModel, form: LogicalForm): PlanMeasure {
  const p = form.projection;
  if (p.kind === 'measure') {
    const m = model.measures[p.measure];
    const unit =
      (m.type === 'duration' || m.type === 'number') && m.unit && !p.measure.endsWith(m.unit)
        ? `_${m.unit}`
        : '';
    const agg =
      p.agg === 'percentile' && p.percentile !== null
        ? `p${Math.round(p.percentile * 100)}`
        : (AGG_WORD[p.agg] ?? p.agg);
    const alias =
      m.type === 'count' || m.type === 'ratio'
        ? (m.alias ?? p.measure)
        : `${agg}_${m.alias ?? p.measure}${unit}`;
    return {
      key: p.measure,
      entity: m.entity,
      type: m.type,
      aggregation: p.agg,
      percentile: p.percentile,
      alias,
      label: m.label,
    };
  }
  const e = model.entities[form.entity];
  const [key] =
    Object.entries(model.measures).find(
      ([, m]) => m.entity === form.entity && m.type === 'count' && !m.alias,
    ) ?? [];
  return {
    key: key ?? `${form.entity}_count`,
    entity: form.entity,
    type: 'count',
    aggregation: 'count',
    percentile: null,
    alias: countAlias(model, form),
    label: `number of ${e.label}`,
  };
}

/**
 * Column name of a count, from the model's nouns and templates: "open_bugs", "bugs_resolved", "failed_deployments".
 */
function countAlias(model: SemanticModel, form: LogicalForm): string {
  const e = model.entities[form.entity];
  const has = (column: string, op: string, values: string[]) =>
    form.filters.some(
      (f) =>
        f.column === column &&
        f.op === op &&
        f.values.length === values.length &&
        values.every((v) => f.values.includes(v)),
    );
  let noun = e.noun;
  const templates: string[] = [];
  for (const d of Object.values(e.dimensions)) {
    for (const [vk, v] of Object.entries(d.values ?? {})) {
      if (!has(d.column, 'eq', [vk])) continue;
      if (v.noun) noun = v.noun;
      if (v.aliasTemplate) templates.push(v.aliasTemplate);
    }
  }
  for (const seg of Object.values(e.segments)) {
    if (seg.aliasTemplate && seg.where.every((c) => has(c.column, c.op, c.values ?? [])))
      templates.push(seg.aliasTemplate);
  }
  return templates.reduce((acc, t) => t.replace('{noun}', acc), noun);
}

/** Turns a logical form into the QueryPlan the SQL compiler, the cache and the router read. */
export function toQueryPlan(
  model: SemanticModel,
  version: string,
  question: string,
  form: LogicalForm,
  now?: Date,
): QueryPlan {
  const e = model.entities[form.entity];
  const p = form.projection;
  const understood = restate(model, form);
  const aggregate = p.kind === 'count' || p.kind === 'measure';
  const measure = measureOf(model, form);
  const idCol = e.idColumn ? [columnOf(model, form.entity, e.idColumn)] : [];
  let projection: QueryPlan['projection'];
  switch (p.kind) {
    case 'count':
    case 'measure':
      projection = { kind: 'aggregate' };
      break;
    case 'rows': {
      const cols = [...e.listColumns, ...form.extraColumns.filter((c) => !e.listColumns.includes(c))];
      projection = { kind: 'rows', columns: [...idCol, ...cols.map((c) => columnOf(model, form.entity, c))] };
      break;
    }
    case 'distinct': {
      const d = e.dimensions[p.name];
      const alias = d?.array ? d.label.replace(/\W+/g, '_') : p.name;
      projection = { kind: 'distinct', column: { column: p.column, alias } };
      break;
    }
    case 'lookup':
      projection = {
        kind: 'lookup',
        columns: [...idCol, ...(p.column === e.idColumn ? [] : [{ column: p.column, alias: p.name }])],
      };
      break;
  }
  const relationship = p.kind === 'measure' ? model.measures[p.measure].via : undefined;
  return {
    question,
    modelVersion: version,
    entity: form.entity,
    joins: relationship ? [relationship] : [],
    measure,
    dimensions: form.groups.map((g) => {
      // A joined entity's field ("work_items.project") is grouped under its own name.
      const at = splitColumn(form.entity, g.column);
      const key = splitColumn(form.entity, g.dim).column;
      const d = model.entities[at.entity].dimensions[key];
      return {
        entity: at.entity,
        key,
        column: at.column,
        array: g.array,
        // An array column is unnested under its singular name ("labels" → "label").
        alias: g.array ? d.label.replace(/\W+/g, '_') : key,
      };
    }),
    filters: form.filters.map((f) => ({
      ...splitColumn(form.entity, f.column),
      op: f.op,
      values: f.values,
      parameter: f.parameter,
      caseInsensitive: f.parameter && !f.exact,
      source: f.source,
    })),
    time: { entity: form.entity, column: form.time, label: e.timeColumns[form.time]?.label ?? form.time },
    window: form.window
      ? {
          start: form.window.start?.toISOString() ?? null,
          end: form.window.end?.toISOString() ?? null,
          label: form.window.label,
        }
      : null,
    grain: aggregate ? form.grain : null,
    order: form.order?.by === 'measure' ? { by: 'measure', direction: form.order.direction } : null,
    rowOrder:
      form.order && form.order.by !== 'measure'
        ? form.order.by.startsWith(BY_MEASURE)
          ? {
              column: form.order.by.slice(BY_MEASURE.length),
              direction: form.order.direction,
              measure: form.order.by.slice(BY_MEASURE.length),
            }
          : { column: form.order.by, direction: form.order.direction }
        : null,
    limit: form.limit,
    ...(now ? { asOf: now.toISOString() } : {}),
    projection,
    understood,
    confidence: 1,
    answerable: true,
    explanation: understood,
    unrecognized: [],
    issues: [],
    suggestions: [],
  };
}
