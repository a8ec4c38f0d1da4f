import type { SemanticModel } from '../semantic-model.schema';
import { splitColumn } from './joined-reading';
import type { LfFilter, LogicalForm } from './logical-form.types';

const day = (iso: string) => (iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso);

/** "status", "created" ...: the words a person would use for a column of the entity. */
function columnWords(model: SemanticModel, formEntity: string, dotted: string): string {
  const { entity, column } = splitColumn(formEntity, dotted);
  if (entity !== formEntity) return `${model.entities[entity].label} ${columnWords(model, entity, column)}`;
  const e = model.entities[entity];
  const dim = Object.values(e.dimensions).find((d) => d.column === column);
  if (dim) return dim.label;
  if (e.timeColumns[column]) return e.timeColumns[column].label;
  if (column === e.idColumn) return 'id';
  return column.replace(/_/g, ' ');
}

function valueWords(values: string[]): string {
  const v = values.map((x) => x.replace(/_/g, ' '));
  return v.length <= 1 ? (v[0] ?? '') : `${v.slice(0, -1).join(', ')} or ${v[v.length - 1]}`;
}

export function describeFilter(model: SemanticModel, entity: string, f: LfFilter): string {
  const what = columnWords(model, entity, f.column);
  switch (f.op) {
    case 'eq':
    case 'in':
      return `${what} is ${valueWords(f.values)}`;
    case 'not_in':
      return `${what} is not ${valueWords(f.values)}`;
    case 'is_null':
      return `${what} is empty`;
    case 'not_null':
      return `${what} is set`;
    case 'contains':
      return `${what} includes ${valueWords(f.values)}`;
    case 'is_empty':
      return `${what} is empty`;
    case 'not_empty':
      return `${what} is not empty`;
    case 'lt':
    case 'gte':
    case 'gt':
    case 'lte': {
      const at = splitColumn(entity, f.column);
      if (model.entities[at.entity].timeColumns[at.column])
        return f.op === 'lt'
          ? `${what} before ${day(f.values[0])}`
          : `${what} on or after ${day(f.values[0])}`;
      const words = { lt: 'less than', gte: 'at least', gt: 'more than', lte: 'at most' }[f.op];
      return `${what} ${words} ${f.values[0]}`;
    }
    case 'text_contains':
      return `${what} mentions "${f.values[0]}"`;
  }
}

/**
 * The canonical plain-English reading of a logical form, e.g. "list of work items where type is bug and status
 * is not done or cancelled, created before 2026-11-07". Equal forms give equal sentences.
 */
export function restate(model: SemanticModel, form: LogicalForm): string {
  const e = model.entities[form.entity];
  const noun = e.label;
  const p = form.projection;
  let head: string;
  switch (p.kind) {
    case 'count':
      head = `number of ${noun}`;
      break;
    case 'measure': {
      const m = model.measures[p.measure];
      const aggWord =
        p.agg === 'avg'
          ? 'average'
          : p.agg === 'percentile' && p.percentile !== null
            ? `p${String(Math.round(p.percentile * 100))}`
            : p.agg;
      const agg = p.agg === 'count' || p.agg === 'ratio' ? '' : `${aggWord} `;
      head = `${agg}${m.label}`;
      break;
    }
    case 'rows':
      head = `list of ${noun}`;
      break;
    case 'distinct':
      head = `distinct ${columnWords(model, form.entity, p.column)} values of ${noun}`;
      break;
    case 'lookup':
      head = `${columnWords(model, form.entity, p.column)} of the ${noun.replace(/s$/, '')}`;
      break;
  }
  const parts: string[] = [head];
  const conds = form.filters
    .filter((f) => !f.source.startsWith('rule:'))
    .map((f) => describeFilter(model, form.entity, f));
  if (conds.length) parts.push(`where ${conds.join(' and ')}`);
  if (form.window) parts.push(`${columnWords(model, form.entity, form.time)} ${form.window.label}`);
  else if (p.kind === 'count' || p.kind === 'measure') parts.push('over all time');
  const by = [
    // A bucket on another date than the usual one says which ("month resolved").
    ...(form.grain
      ? [
          !form.window && form.time !== model.entities[form.entity].defaultTimeColumn
            ? `${form.grain} ${columnWords(model, form.entity, form.time)}`
            : form.grain,
        ]
      : []),
    ...form.groups.map((g) => columnWords(model, form.entity, g.dim === g.column ? g.column : g.column)),
  ];
  if (form.order?.by === 'measure') {
    const which = form.limit === 1 ? 'the one' : `the ${String(form.limit)}`;
    parts.push(
      `${which} ${by.join(' and ')} with the ${form.order.direction === 'desc' ? 'most' : 'fewest'}`,
    );
  } else if (by.length) parts.push(`by ${by.join(' and ')}`);
  if (form.order?.by.startsWith('measure:')) {
    const m = model.measures[form.order.by.slice('measure:'.length)];
    parts.push(
      `${form.order.direction === 'desc' ? 'highest' : 'lowest'} ${m.label} first${form.limit ? `, ${String(form.limit)} at most` : ''}`,
    );
  } else if (form.order && form.order.by !== 'measure') {
    const col = columnWords(model, form.entity, form.order.by);
    parts.push(
      `${form.order.direction === 'desc' ? 'latest' : 'earliest'} ${col} first${form.limit ? `, ${String(form.limit)} at most` : ''}`,
    );
  }
  if (form.extraColumns.length)
    parts.push(`showing ${form.extraColumns.map((c) => columnWords(model, form.entity, c)).join(', ')}`);
  return parts.join(', ').replace(/, where/, ' where');
}
