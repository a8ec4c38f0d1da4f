/** Business rules of measures, records ranked by a measure's value per record, and "how long" questions. */
import type { ModelMeasure } from '../semantic-model.schema';
import type { LfFilter } from './logical-form.types';
import { BY_MEASURE } from './plan-builder';
import { lexOf, nextContent, type Ctx } from './question-grammar';

/** The model's business rules of a measure as filters; an overridable one yields to the question's own filter. */
export function applyRules(ctx: Ctx, measureKey: string, source: 'rule' | `set:${string}`): void {
  for (const rule of ruleOf(ctx, measureKey)) {
    const cols = new Set(ctx.form.filters.map((f) => f.column));
    if (rule.overridable && rule.where.some((c) => cols.has(c.column))) continue;
    ctx.form.filters.push(
      ...rule.where.map((c): LfFilter => ({
        column: c.column,
        op: c.op,
        values: c.values ?? [],
        parameter: false,
        source: source === 'rule' ? `rule:${rule.id}` : source,
      })),
    );
  }
}

/** A measure one record has a value of from its own columns (a size, a duration between two of its dates). */
export function rankable(m: ModelMeasure): boolean {
  if (m.via) return false;
  if (m.type === 'number') return true;
  return m.type === 'duration' && typeof m.end === 'string' && m.end !== 'now';
}

/** The records with the highest (or lowest) value of a measure, n of them; "by" before the measure is read. */
export function rankRecords(ctx: Ctx, measureKey: string, dir: 'asc' | 'desc', n: number): void {
  const { items, used, form } = ctx;
  form.projection = { kind: 'rows' };
  form.order = { by: `${BY_MEASURE}${measureKey}`, direction: dir };
  form.limit = n;
  items.forEach((it, i) => {
    const nx = nextContent(ctx, i);
    if (!used[i] && lexOf(it, 'by') && nx >= 0 && used[nx] && lexOf(items[nx], 'measure')) used[i] = true;
  });
}

/** The business rules of the model that apply to a measure. */
export function ruleOf(ctx: Ctx, measureKey: string) {
  return ctx.model.rules.filter((r) => r.measures.includes(measureKey));
}

/**
 * "how long does it take to merge a PR", "how long to recover from failed deployments": the duration measure whose
 * `howLongVerbs` the question uses, when exactly one does.
 */
export function readHowLong(ctx: Ctx, named: string[]): void {
  const { items } = ctx;
  const longAt = items.findIndex(
    (it, i) => it.t === 'unknown' && it.words === 'long' && items[i - 1]?.words === 'how',
  );
  if (longAt < 0) return;
  const hitsOf = (nouns: boolean) => {
    const hits = new Map<string, number>();
    items.forEach((it, i) => {
      if (!nouns && lexOf(it, 'entity', ctx.entityKey)) return;
      for (const [k, m] of Object.entries(ctx.model.measures))
        if (m.entity === ctx.entityKey && m.howLongVerbs.includes(it.words.toLowerCase())) hits.set(k, i);
    });
    return hits;
  };
  // A verb ("recover") says more than the records' noun ("deployments"), which only names the default duration.
  const verbs = hitsOf(false);
  const hits = verbs.size > 0 ? verbs : hitsOf(true);
  if (hits.size !== 1) return;
  const [[key, at]] = [...hits];
  named.push(key);
  ctx.used[longAt] = true;
  ctx.used[longAt - 1] = true;
  // The records' own noun ("how long do deployments take") stays for the projection to read.
  if (!lexOf(items[at], 'entity', ctx.entityKey)) ctx.used[at] = true;
}
