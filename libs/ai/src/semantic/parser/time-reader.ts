import { isStop, lexOf, negationBefore, nextContent, prevContent, type Ctx } from './question-grammar';

/** The time column a window or age applies to: the verb or value just before it, else the entity's default. */
function timeColumnBefore(ctx: Ctx, i: number): string | null {
  for (let j = i - 1; j >= 0 && j >= i - 3; j -= 1) {
    const it = ctx.items[j];
    if (it.t !== 'lex') return null;
    const recent = lexOf(it, 'recency');
    if (recent?.column && !ctx.used[j]) {
      // "last updated after 14 November": the date, not an order.
      ctx.used[j] = true;
      return recent.column;
    }
    const verb = lexOf(it, 'timeVerb', ctx.entityKey);
    if (verb) {
      // "resolved" is also a filter (a segment): leave it for the segment reader.
      if (!it.lex.some((l) => (l.k === 'segment' || l.k === 'value') && l.entity === ctx.entityKey))
        ctx.used[j] = true;
      return verb.column;
    }
    const v = it.lex.find(
      (l) => (l.k === 'value' || l.k === 'segment') && l.entity === ctx.entityKey && l.timeColumn,
    );
    if (v && 'timeColumn' in v && v.timeColumn) return v.timeColumn;
    if (!isStop(it)) return null;
  }
  return null;
}

export function readTime(ctx: Ctx): void {
  const { items, used, form } = ctx;
  const columns = new Set<string>();
  for (let i = 0; i < items.length; i += 1) {
    const it = items[i];
    if (it.t === 'window') {
      used[i] = true;
      const verbAt = verbIndexBefore(ctx, i);
      const named = timeColumnBefore(ctx, i) ?? timeColumnAfter(ctx, i);
      const col = named ?? impliedTimeColumn(ctx) ?? ctx.entity.defaultTimeColumn;
      if (form.window) {
        ctx.problems.push('more than one time window');
        continue;
      }
      columns.add(col);
      if (it.window.start && it.window.start.getTime() > ctx.now.getTime()) {
        ctx.problems.push(`"${it.words}" is in the future`);
        continue;
      }
      if (negationBefore(ctx, verbAt >= 0 ? verbAt : i)) {
        const w = it.window;
        if (w.start && !w.end)
          form.filters.push({
            column: col,
            op: 'lt',
            values: [w.start.toISOString()],
            parameter: false,
            source: `not ${it.words}`,
          });
        else if (!w.start && w.end)
          form.filters.push({
            column: col,
            op: 'gte',
            values: [w.end.toISOString()],
            parameter: false,
            source: `not ${it.words}`,
          });
        else if (w.start && w.end && w.end.getTime() >= ctx.now.getTime() - 86_400_000) {
          // "not updated in the last 30 days": before the window started.
          form.filters.push({
            column: col,
            op: 'lt',
            values: [w.start.toISOString()],
            parameter: false,
            source: `not ${it.words}`,
          });
        } else ctx.problems.push(`"not ${it.words}"`);
        continue;
      }
      if (it.window.start && it.window.start.getTime() > ctx.now.getTime()) {
        ctx.problems.push(`"${it.words}" is in the future`);
        continue;
      }
      form.window = it.window;
      form.time = col;
      ctx.windowImplied = named === null;
    } else if (it.t === 'age') {
      used[i] = true;
      const col =
        (it.verb ? verbColumn(ctx, it.verb) : null) ??
        timeColumnBefore(ctx, i) ??
        ctx.entity.defaultTimeColumn;
      const neg = negationBefore(ctx, i);
      form.filters.push({
        column: col,
        op: neg ? 'gte' : 'lt',
        values: [it.before.toISOString()],
        parameter: false,
        source: it.words,
      });
    } else if (it.t === 'grain') {
      used[i] = true;
      if (form.grain && form.grain !== it.grain) ctx.problems.push('two time buckets');
      form.grain = it.grain;
    }
  }
  if (columns.size > 1) ctx.problems.push('windows on different dates');
}

/**
 * Time buckets without a window follow the verb ("closed per month" buckets by the resolution date): the one date
 * the question's verbs name, else the one its values imply; two different dates are refused.
 */
export function bucketTime(ctx: Ctx): void {
  const { form } = ctx;
  if (!form.grain || form.window || form.projection.kind !== 'count') return;
  // A verb that is also a state ("resolved bugs created per month") yields to a verb that is only a verb.
  const verbs = new Set<string>();
  const pure = new Set<string>();
  for (const it of ctx.items) {
    const v = lexOf(it, 'timeVerb', ctx.entityKey);
    if (!v || it.t !== 'lex') continue;
    verbs.add(v.column);
    if (!it.lex.some((l) => (l.k === 'segment' || l.k === 'value') && l.entity === ctx.entityKey))
      pure.add(v.column);
  }
  const named = pure.size > 0 ? pure : verbs;
  if (named.size > 1) ctx.problems.push('time buckets of two different dates');
  const col = named.size === 1 ? [...named][0] : impliedTimeColumn(ctx);
  if (col) form.time = col;
}

function verbIndexBefore(ctx: Ctx, i: number): number {
  const p = prevContent(ctx, i);
  return p >= 0 && lexOf(ctx.items[p], 'timeVerb', ctx.entityKey) ? p : -1;
}

/** The one time column the question's values imply ("story points done ... last month": resolved). */
function impliedTimeColumn(ctx: Ctx): string | null {
  const cols = new Set<string>();
  for (const it of ctx.items) {
    if (it.t !== 'lex') continue;
    for (const l of it.lex) {
      if (
        (l.k === 'value' || l.k === 'segment') &&
        l.entity === ctx.entityKey &&
        l.timeColumn &&
        !(l.k === 'value' && l.bare)
      )
        cols.add(l.timeColumn);
    }
  }
  return cols.size === 1 ? [...cols][0] : null;
}

function timeColumnAfter(ctx: Ctx, i: number): string | null {
  const j = nextContent(ctx, i);
  const verb = j >= 0 ? lexOf(ctx.items[j], 'timeVerb', ctx.entityKey) : undefined;
  if (verb && !ctx.used[j]) {
    ctx.used[j] = true;
    return verb.column;
  }
  return null;
}

function verbColumn(ctx: Ctx, verb: string): string | null {
  for (const [col, tc] of Object.entries(ctx.entity.timeColumns)) {
    if (tc.phrases.includes(verb) || tc.label === verb) return col;
  }
  return null;
}
