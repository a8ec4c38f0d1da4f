import type { FilterOp } from '../semantic-model.schema';
import { lexOf, nextContent, prevContent, type Ctx } from './question-grammar';

/**
 * The numeric columns of the question's records: those a number measure of the model reads as is (story points,
 * changed files). A comparison names one of them by the measure's words ("more than 8 story points").
 */
function numericColumnAt(ctx: Ctx, i: number): string | null {
  const it = ctx.items[i];
  if (i < 0 || !it || ctx.used[i] || it.t !== 'lex') return null;
  for (const l of it.lex) {
    if (l.k !== 'measure') continue;
    const m = ctx.model.measures[l.measure];
    if (m.entity === ctx.entityKey && m.type === 'number' && 'column' in m.expression && !m.timeColumn)
      return m.expression.column;
  }
  const field = lexOf(it, 'field', ctx.entityKey);
  const numeric = Object.values(ctx.model.measures).some(
    (m) =>
      m.entity === ctx.entityKey &&
      m.type === 'number' &&
      'column' in m.expression &&
      m.expression.column === field?.column,
  );
  return field && numeric ? field.column : null;
}

/**
 * "more than 8 story points", "story points >= 8", "with 13 story points": a comparison of a numeric column with
 * a number. A comparison next to nothing numeric is refused rather than dropped.
 */
export function readComparisons(ctx: Ctx): void {
  const { items, used } = ctx;
  for (let i = 0; i < items.length; i += 1) {
    const it = items[i];
    let op: FilterOp | 'eq';
    let n: number;
    let at: number;
    let column: string | null;
    if (it.t === 'cmp') {
      used[i] = true;
      ({ op, n } = it);
      at = nextContent(ctx, i);
      column = numericColumnAt(ctx, at);
      if (!column) {
        at = prevContent(ctx, i);
        column = numericColumnAt(ctx, at);
      }
      if (!column) {
        ctx.problems.push(`"${it.words}" compares nothing numeric`);
        continue;
      }
    } else if (it.t === 'num' && !used[i]) {
      // "stories with 13 story points": the number right before the column's words is its value.
      column = numericColumnAt(ctx, i + 1);
      if (!column) continue;
      op = 'eq';
      n = it.n;
      at = i + 1;
      used[i] = true;
    } else continue;
    used[at] = true;
    ctx.form.filters.push({
      column,
      op,
      values: [String(n)],
      parameter: false,
      source: `${it.words} ${items[at].words}`,
    });
  }
}
