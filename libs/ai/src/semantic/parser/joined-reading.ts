import type { ModelEntity, SemanticModel } from '../semantic-model.schema';
import type { Lex } from './lexicon';
import type { Item } from './question-scanner';

/** Separates the joined entity from its field in the keys and columns of a joined reading ("work_items.type"). */
export const JOINED = '.';

/**
 * A measure computed over a relationship (lead time: pull requests joined to the work items they link) may be
 * filtered and grouped by the fields of the joined records: "lead time for changes for bugs by project". The joined
 * entity's fields, values and segments become readings of the measure's entity under keys and columns prefixed
 * with the joined entity ("work_items.type"); the plan builder turns the prefix back into the filter's entity and
 * the compiler qualifies it with the joined table's alias. A word the measure's entity reads itself keeps only that
 * reading ("status" of a pull request is its state).
 */
export function joinedReading(
  model: SemanticModel,
  items: Item[],
): { entityKey: string; entity: ModelEntity; items: Item[] } | null {
  const vias = new Set<string>();
  for (const it of items) {
    if (it.t !== 'lex') continue;
    for (const l of it.lex) if (l.k === 'measure' && model.measures[l.measure].via) vias.add(l.measure);
  }
  if (vias.size !== 1) return null;
  const [measureKey] = vias;
  const measure = model.measures[measureKey];
  const rel = model.relationships[measure.via!];
  const mainKey = measure.entity;
  const joinedKey = rel.to.entity;
  const main = model.entities[mainKey];
  const joined = model.entities[joinedKey];
  const prefixed = (k: string) => `${joinedKey}${JOINED}${k}`;

  const rewritten = items.map((it): Item => {
    if (it.t !== 'lex') return it;
    const ownReading = it.lex.some(
      (l) => 'entity' in l && l.entity === mainKey && ['dim', 'value', 'known', 'segment'].includes(l.k),
    );
    const lex: Lex[] = [];
    for (const l of it.lex) {
      if (!('entity' in l) || l.entity !== joinedKey) {
        lex.push(l);
        continue;
      }
      if (ownReading) continue;
      if (l.k === 'entity') lex.push({ k: 'stop' });
      else if (l.k === 'dim' || l.k === 'prefix') lex.push({ ...l, entity: mainKey, dim: prefixed(l.dim) });
      else if (l.k === 'value' || l.k === 'known')
        lex.push({
          ...l,
          entity: mainKey,
          dim: prefixed(l.dim),
          ...(l.k === 'value' ? { timeColumn: undefined } : {}),
        });
      else if (l.k === 'segment') lex.push({ k: 'segment', entity: mainKey, segment: prefixed(l.segment) });
    }
    return { ...it, lex: lex.length ? lex : [{ k: 'stop' }] };
  });

  const dimensions = { ...main.dimensions };
  for (const [dk, d] of Object.entries(joined.dimensions))
    dimensions[prefixed(dk)] = { ...d, column: prefixed(d.column), label: `${joined.label} ${d.label}` };
  const segments = { ...main.segments };
  for (const [sk, s] of Object.entries(joined.segments))
    segments[prefixed(sk)] = {
      ...s,
      timeColumn: undefined,
      where: s.where.map((c) => ({ ...c, column: prefixed(c.column) })),
    };
  return { entityKey: mainKey, entity: { ...main, dimensions, segments }, items: rewritten };
}

/** The entity and column of a column of a logical form: a joined entity's field is prefixed with that entity. */
export function splitColumn(entity: string, column: string): { entity: string; column: string } {
  const at = column.indexOf(JOINED);
  return at < 0 ? { entity, column } : { entity: column.slice(0, at), column: column.slice(at + 1) };
}
