import type { SemanticModel } from '../semantic-model.schema';
import type { LfFilter, LogicalForm } from './logical-form.types';

const day = (iso: string) => (iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso);

/** "status", "created" ...: the words a person would use for a column of the entity. */
function columnWords(model: SemanticModel, entity: string, column: string): string {
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
      return `${what} before ${day(f.values[0])}`;
    case 'gte':
      return `${what} on or after ${day(f.values[0])}`;
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
      const agg = p.agg === 'count' || p.agg === 'ratio' ? '' : `${p.agg === 'avg' ? 'average' : p.agg} `;
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
  if (form.order && form.order.by !== 'measure') {
    const col = columnWords(model, form.entity, form.order.by);
    parts.push(
      `${form.order.direction === 'desc' ? 'latest' : 'earliest'} ${col} first${form.limit ? `, ${String(form.limit)} at most` : ''}`,
    );
  }
  if (form.extraColumns.length)
    parts.push(`showing ${form.extraColumns.map((c) => columnWords(model, form.entity, c)).join(', ')}`);
  return parts.join(', ').replace(/, where/, ' where');
}
