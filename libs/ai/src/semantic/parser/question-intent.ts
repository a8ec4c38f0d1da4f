import type { Aggregation } from '../semantic-model.schema';
import { isStop, lexOf, nextContent, prevContent, type Ctx } from './question-grammar';
import { applyRules, rankable, rankRecords, readHowLong, ruleOf } from './measure-rules';

interface Asked {
  kind: 'dim' | 'field' | 'time';
  column: string;
  name: string;
  dim?: string;
}

/** Marks items i.. used and returns true (for chaining in conditions). */
function take(ctx: Ctx, ...idx: number[]): true {
  idx.forEach((i) => (ctx.used[i] = true));
  return true;
}

function dimAt(ctx: Ctx, i: number): string | undefined {
  return i >= 0 && !ctx.used[i] ? lexOf(ctx.items[i], 'dim', ctx.entityKey)?.dim : undefined;
}

/** "by status", "per assignee", "status wise", "breakdown of priority", "for each project". */
function readGroups(ctx: Ctx): void {
  const { items, used } = ctx;
  for (let i = 0; i < items.length; i += 1) {
    if (used[i] || !lexOf(items[i], 'by')) continue;
    const n = nextContent(ctx, i);
    const p = prevContent(ctx, i);
    const bucket = n >= 0 && !used[n] ? lexOf(items[n], 'bucket') : undefined;
    const dn = dimAt(ctx, n);
    const dp = dimAt(ctx, p);
    if (dn) {
      addGroup(ctx, dn);
      take(ctx, i, n);
      // "by type and status": more fields joined by "and".
      for (let j = n; ;) {
        const c = nextContent(ctx, j);
        const k = c >= 0 && lexOf(items[c], 'and') ? nextContent(ctx, c) : -1;
        const d = dimAt(ctx, k);
        if (!d) break;
        addGroup(ctx, d);
        take(ctx, c, k);
        j = k;
      }
    } else if (bucket) {
      take(ctx, i, n);
      if (ctx.form.grain && ctx.form.grain !== bucket.grain) ctx.problems.push('two time buckets');
      ctx.form.grain = bucket.grain;
    } else if (dp) {
      addGroup(ctx, dp);
      take(ctx, i, p);
    }
  }
  // "the distribution of issues by priority": the leading word only announces the grouping.
  items.forEach((it, i) => {
    if (!used[i] && lexOf(it, 'by') && /^(distribution|breakdown)/.test(it.words) && ctx.form.groups.length)
      take(ctx, i);
  });
}

function addGroup(ctx: Ctx, dim: string): true {
  const d = ctx.entity.dimensions[dim];
  if (!ctx.form.groups.some((g) => g.dim === dim))
    ctx.form.groups.push({ dim, column: d.column, array: d.array });
  return true;
}

/** The dimension a "who"/"whom" asks for: the reporter for "who reported", else the entity's person. */
function whoDim(ctx: Ctx, i: number): { dim: string; verb: number } | null {
  const n = nextContent(ctx, i);
  // "who reported", "who authored", "who reviewed": the role whose "<verb> by" prefix the model defines.
  const it = n >= 0 && !ctx.used[n] ? ctx.items[n] : undefined;
  const verb = it && (it.t === 'unknown' || lexOf(it, 'timeVerb', ctx.entityKey));
  if (verb) {
    const dk = roleOfVerb(ctx, it.words);
    if (dk) return { dim: dk, verb: n };
  }
  const person = ctx.entity.personDimension;
  return person ? { dim: person, verb: -1 } : null;
}

/** The dimension whose "<verb> by" prefix the model defines ("authored" → author), if one. */
function roleOfVerb(ctx: Ctx, word: string): string | null {
  for (const [dk, d] of Object.entries(ctx.entity.dimensions))
    if (d.valuePrefixes.includes(`${word} by`)) return dk;
  return null;
}

/** Words for a person that name no role: the verb of the question gives the role. */
const ROLELESS =
  /^(?:persons?|people|individuals?|(?:team )?members?|engineers?|developers?|devs?|users?|folks)$/;

/**
 * "defects filed per person": a person grouped or asked for with a verb whose "<verb> by" names another role
 * (filed by = reporter) is that role, not the entity's default person.
 */
function personRole(ctx: Ctx): void {
  const person = ctx.entity.personDimension;
  if (!person) return;
  const roleless = ctx.items.some((it) => {
    const d = lexOf(it, 'dim', ctx.entityKey);
    return d?.dim === person && ROLELESS.test(it.words);
  });
  if (!roleless) return;
  const roles = new Set<string>();
  for (const it of ctx.items) {
    if (!lexOf(it, 'timeVerb', ctx.entityKey)) continue;
    for (const [dk, d] of Object.entries(ctx.entity.dimensions))
      if (dk !== person && d.valuePrefixes.includes(`${it.words} by`)) roles.add(dk);
  }
  if (roles.size !== 1) return;
  const role = [...roles][0];
  const d = ctx.entity.dimensions[role];
  for (const g of ctx.form.groups) if (g.dim === person) Object.assign(g, { dim: role, column: d.column });
  const p = ctx.form.projection;
  if (p.kind === 'distinct' && p.name === person)
    ctx.form.projection = { kind: 'distinct', column: d.column, name: role };
}

/** A measure that is one column of a record ("changed files" of a pull request), read as that field. */
function measureField(ctx: Ctx, i: number): { column: string } | undefined {
  const it = ctx.items[i];
  if (it.t !== 'lex') return undefined;
  for (const l of it.lex) {
    if (l.k !== 'measure') continue;
    const m = ctx.model.measures[l.measure];
    if (m.entity === ctx.entityKey && m.type === 'number' && 'column' in m.expression)
      return { column: m.expression.column };
  }
  return undefined;
}

function findAsked(ctx: Ctx, ids: string[]): Asked | null {
  const { items, used, entity } = ctx;
  let asked: Asked | null = null;
  const set = (a: Asked) => {
    if (asked && asked.column !== a.column) ctx.problems.push('asks for two fields');
    asked = a;
  };
  for (let i = 0; i < items.length; i += 1) {
    if (used[i]) continue;
    const it = items[i];
    const wh = lexOf(it, 'wh');
    const whoField = wh?.wh === 'who' ? dimAt(ctx, nextContent(ctx, i)) : undefined;
    if (whoField && /assignee|reporter|author|reviewer/.test(whoField)) {
      // "who are the reporters of ...": the field named.
      take(ctx, i, nextContent(ctx, i));
      set({ kind: 'dim', column: entity.dimensions[whoField].column, name: whoField, dim: whoField });
      continue;
    }
    if (wh?.wh === 'who') {
      const w = whoDim(ctx, i);
      if (!w) continue;
      take(ctx, i);
      if (w.verb >= 0) take(ctx, w.verb);
      set({ kind: 'dim', column: entity.dimensions[w.dim].column, name: w.dim, dim: w.dim });
      continue;
    }
    if (wh?.wh === 'when' && ids.length) {
      take(ctx, i);
      const n = nextContent(ctx, i);
      let col = entity.defaultTimeColumn;
      for (let j = i + 1; j < items.length; j += 1) {
        const v = lexOf(items[j], 'timeVerb', ctx.entityKey);
        const seg =
          items[j].t === 'lex'
            ? (items[j] as { lex: { k: string; timeColumn?: string; entity?: string }[] }).lex.find(
                (l) => (l.k === 'segment' || l.k === 'value') && l.timeColumn && l.entity === ctx.entityKey,
              )
            : undefined;
        if (v && !used[j]) {
          take(ctx, j);
          col = v.column;
          break;
        }
        if (seg?.timeColumn) {
          // "when was PAY-1 resolved" asks for the date, it does not filter.
          take(ctx, j);
          ctx.form.filters = ctx.form.filters.filter((f) => !f.source.includes(items[j].words));
          col = seg.timeColumn;
          break;
        }
      }
      void n;
      set({ kind: 'time', column: col, name: col });
      continue;
    }
    const prefix = lexOf(it, 'prefix', ctx.entityKey);
    if (prefix && ids.length) {
      take(ctx, i);
      const d = entity.dimensions[prefix.dim];
      set({ kind: 'dim', column: d.column, name: prefix.dim, dim: prefix.dim });
      continue;
    }
    const field = lexOf(it, 'field', ctx.entityKey) ?? measureField(ctx, i);
    const dim = lexOf(it, 'dim', ctx.entityKey);
    if (ids.length && field?.column === entity.idColumn) {
      // "issue key WEB-160": the id is given, not asked for.
      take(ctx, i);
      continue;
    }
    if (ids.length && (field || dim)) {
      take(ctx, i);
      if (dim) set({ kind: 'dim', column: entity.dimensions[dim.dim].column, name: dim.dim, dim: dim.dim });
      else if (field)
        set({
          kind: 'field',
          column: field.column,
          name: field.column === entity.idColumn ? 'id' : field.column,
        });
    }
  }
  return asked;
}

function readMeasure(ctx: Ctx): boolean {
  const { items, used, model } = ctx;
  let measureKey: string | null = null;
  let agg: Aggregation | null = null;
  let percentile: number | null = null;
  const named: string[] = [];
  for (let i = 0; i < items.length; i += 1) {
    if (used[i]) continue;
    const m =
      items[i].t === 'lex'
        ? (items[i] as { lex: { k: string; measure?: string }[] }).lex.find(
            (l) => l.k === 'measure' && l.measure && model.measures[l.measure].entity === ctx.entityKey,
          )
        : undefined;
    if (m?.measure) {
      if (!named.includes(m.measure)) named.push(m.measure);
      take(ctx, i);
    }
  }
  if (named.length === 0) readHowLong(ctx, named);
  // A count that stands for a set of records by its rules ("work in progress") names the records another measure is
  // computed over: "the age of the work in progress". Any other pair of measures is refused.
  const sets = named.filter((k) => model.measures[k].type === 'count' && ruleOf(ctx, k).length > 0);
  const others = named.filter((k) => !sets.includes(k));
  let setKey: string | null = null;
  if (
    named.length === 2 &&
    sets.length === 1 &&
    others.length === 1 &&
    model.measures[others[0]].type !== 'count'
  ) {
    [measureKey] = others;
    [setKey] = sets;
  } else {
    if (named.length > 1) ctx.problems.push('two measures');
    measureKey = named[0] ?? null;
  }
  if (!measureKey) return false;
  const measure = model.measures[measureKey];
  const setMeasure = setKey ? model.measures[setKey] : null;
  for (let i = 0; i < items.length; i += 1) {
    if (used[i]) continue;
    const it = items[i];
    if (it.t === 'pct') {
      take(ctx, i);
      agg = it.p === 0.5 ? 'median' : 'percentile';
      percentile = it.p;
      continue;
    }
    const a = lexOf(it, 'agg');
    if (!a) continue;
    take(ctx, i);
    agg = a.agg;
  }
  const allowed = measure.type === 'number' || measure.type === 'duration' ? measure.aggregations : [];
  if (measure.type === 'number' || measure.type === 'duration') {
    if (agg && !allowed.includes(agg)) ctx.problems.push(`${agg} of ${measure.label}`);
    agg ??= measure.defaultAggregation;
    if (agg === 'median') percentile = 0.5;
    if (agg === 'percentile' && percentile === null) ctx.problems.push('a percentile without its rank');
  } else if (agg && agg !== 'sum') ctx.problems.push(`${agg} of ${measure.label}`);
  ctx.form.projection = {
    kind: 'measure',
    measure: measureKey,
    agg: measure.type === 'ratio' ? 'ratio' : measure.type === 'count' ? 'count' : (agg ?? 'avg'),
    percentile,
  };
  if (measure.type === 'number' || measure.type === 'duration') {
    // "reviewers per (merged) pull request": per one of the records the measure is computed over, not a grouping.
    for (let i = 0; i < items.length; i += 1) {
      if (used[i] || !lexOf(items[i], 'by')) continue;
      let j = nextContent(ctx, i);
      while (
        j >= 0 &&
        items[j].t === 'lex' &&
        (lexOf(items[j], 'value', ctx.entityKey) || lexOf(items[j], 'segment', ctx.entityKey))
      )
        j = nextContent(ctx, j);
      if (j >= 0 && lexOf(items[j], 'entity', ctx.entityKey)) take(ctx, i);
    }
  }
  const snapshot = measure.snapshot || !!setMeasure?.snapshot;
  if (snapshot && ctx.form.window && ctx.windowImplied) {
    // Statuses have no history: "WIP last month" cannot be answered, and "created last month" would be another question.
    const label = setMeasure?.snapshot ? setMeasure.label : measure.label;
    ctx.problems.push(`${label} is known for now only, not for ${ctx.form.window.label}`);
  }
  if (measure.defaultGrain && !ctx.form.grain && ctx.form.groups.length === 0)
    ctx.form.grain = measure.defaultGrain;
  if (measure.timeColumn && !ctx.form.window) ctx.form.time = measure.timeColumn;
  else if (measure.timeColumn && ctx.form.time === ctx.entity.defaultTimeColumn)
    ctx.form.time = measure.timeColumn;
  applyRules(ctx, measureKey, 'rule');
  // The set's conditions are what the question asked for, so the restatement shows them.
  if (setKey) applyRules(ctx, setKey, `set:${setKey}`);
  return true;
}

/** "sorted by created date (descending)": the order of a list, on a date, number or free-text field. */
function readSort(ctx: Ctx): { by: string; direction: 'asc' | 'desc' } | null {
  const { items, used, entity } = ctx;
  let out: { by: string; direction: 'asc' | 'desc' } | null = null;
  for (let i = 0; i < items.length; i += 1) {
    const s = used[i] ? undefined : lexOf(items[i], 'sort');
    if (!s || s.dir !== null) continue;
    const n = nextContent(ctx, i);
    const field = n >= 0 && !used[n] ? lexOf(items[n], 'field', ctx.entityKey) : undefined;
    const verb = n >= 0 && !used[n] ? lexOf(items[n], 'timeVerb', ctx.entityKey) : undefined;
    const dim = dimAt(ctx, n);
    // Enumerations sort alphabetically in SQL ("high" before "low"), not in their meaning: not offered.
    const column =
      field?.column ??
      verb?.column ??
      (dim && !entity.dimensions[dim].values ? entity.dimensions[dim].column : undefined);
    if (!column) continue;
    take(ctx, i, n);
    let direction: 'asc' | 'desc' = 'asc';
    const d = nextContent(ctx, n);
    const dirWord = d >= 0 && !used[d] ? lexOf(items[d], 'sort') : undefined;
    if (dirWord?.dir) {
      direction = dirWord.dir;
      take(ctx, d);
    }
    out = { by: column, direction };
  }
  return out;
}

/** Decides what the answer is: a count, groups, records, distinct values, one record's field, a measure. */
export function readProjection(ctx: Ctx, ids: string[]): void {
  const { items, used, form, entity } = ctx;
  let entityNounAt = -1;
  let distinctWanted = false;
  let countAt = -1;
  items.forEach((it, i) => {
    if (used[i]) return;
    if (lexOf(it, 'entity', ctx.entityKey)) {
      take(ctx, i);
      if (entityNounAt < 0) entityNounAt = i;
    } else if (lexOf(it, 'list')) take(ctx, i);
    else if (lexOf(it, 'distinct')) distinctWanted = take(ctx, i);
  });
  readGroups(ctx);
  const sorted = readSort(ctx);
  // A measure of named records is one of their fields ("the story points of PAY-8").
  const hasMeasure = ids.length === 0 && readMeasure(ctx);
  items.forEach((it, i) => {
    if (!used[i] && lexOf(it, 'count') && !hasMeasure) {
      take(ctx, i);
      countAt = i;
    } else if (!used[i] && hasMeasure && lexOf(it, 'count')) take(ctx, i);
  });
  const asked = findAsked(ctx, ids);

  // Ranking words: "most"/"least" over groups, "latest"/"oldest" over records, with an optional N.
  let most: { dir: 'asc' | 'desc'; at: number } | null = null;
  let recency: { dir: 'asc' | 'desc'; column: string | null; at: number } | null = null;
  let whenMost = false;
  let whenLatest = false;
  items.forEach((it, i) => {
    if (used[i]) return;
    const m = lexOf(it, 'most');
    const r = lexOf(it, 'recency');
    if (m) {
      most = { dir: m.dir, at: take(ctx, i) && i };
      // "the busiest month": the time bucket with the most, as "which month had the most".
      const nx = nextContent(ctx, i);
      const b = nx >= 0 && !used[nx] ? lexOf(items[nx], 'bucket') : undefined;
      if (b && (!form.grain || form.grain === b.grain)) {
        take(ctx, nx);
        form.grain = b.grain;
      }
    } else if (r) recency = { dir: r.dir, column: r.column, at: take(ctx, i) && i };
  });
  let n: number | null = null;
  items.forEach((it, i) => {
    if (used[i] || it.t !== 'num') return;
    // "the five open stories": filter words may stand between the number and the records' noun.
    const typeNoun = (j: number) => {
      const v = lexOf(items[j], 'value', ctx.entityKey);
      return !!v && !!ctx.entity.dimensions[v.dim]?.values?.[v.value]?.noun;
    };
    let ahead = nextContent(ctx, i);
    while (
      ahead >= 0 &&
      !typeNoun(ahead) &&
      (lexOf(items[ahead], 'segment', ctx.entityKey) ||
        lexOf(items[ahead], 'known', ctx.entityKey) ||
        lexOf(items[ahead], 'value', ctx.entityKey))
    )
      ahead = nextContent(ctx, ahead);
    const nounAhead = ahead >= 0 && (!!lexOf(items[ahead], 'entity', ctx.entityKey) || typeNoun(ahead));
    const near =
      nounAhead ||
      [prevContent(ctx, i), nextContent(ctx, i)].some(
        (x) =>
          x >= 0 &&
          (lexOf(items[x], 'most') ||
            lexOf(items[x], 'recency') ||
            lexOf(items[x], 'entity') ||
            lexOf(items[x], 'dim')),
      );
    if (near && (most || recency)) {
      n = it.n;
      take(ctx, i);
    }
  });

  // "which assignee", "what statuses", "who": the dimension asked for, when no record id is given.
  let askedDim: string | null = asked?.dim && !ids.length ? asked.dim : null;
  items.forEach((it, i) => {
    if (used[i]) return;
    const wh = lexOf(it, 'wh');
    if (wh?.wh === 'which' || wh?.wh === 'what') {
      const nx = nextContent(ctx, i);
      const d = dimAt(ctx, nx);
      const b = nx >= 0 && !used[nx] ? lexOf(items[nx], 'bucket') : undefined;
      if (d) {
        askedDim = d;
        take(ctx, i, nx);
      } else if (b) {
        take(ctx, i, nx);
        form.grain = b.grain;
      } else take(ctx, i);
    } else if (wh?.wh === 'when' && most) {
      take(ctx, i);
      whenMost = true;
    } else if (wh?.wh === 'when' && recency) {
      // "when was the last bug created": the latest record, with its dates.
      take(ctx, i);
      whenLatest = true;
    }
  });
  if (whenMost && !form.grain) form.grain = 'day';

  // Field names left: with a count they group ("status and their count"); otherwise they are asked for.
  const leftDims: { i: number; dim: string }[] = [];
  items.forEach((it, i) => {
    const d = dimAt(ctx, i);
    if (d) leftDims.push({ i, dim: d });
  });
  const counting = countAt >= 0 || hasMeasure;
  for (const { i, dim } of leftDims) {
    if (countAt >= 0 && nextContent(ctx, countAt) === i) {
      // "how many reviewers": a count of values, not a count per value.
      ctx.problems.push(`"${items[countAt].words} ${items[i].words}"`);
      take(ctx, i);
    } else if (counting || most) {
      addGroup(ctx, dim);
      take(ctx, i);
    } else if (!lexOf(items[prevContent(ctx, i)], 'their') && !askedDim) {
      askedDim = dim;
      take(ctx, i);
    } else if (lexOf(items[prevContent(ctx, i)], 'their')) {
      // "bugs with their labels": one more column of the list.
      const col = entity.dimensions[dim].column;
      if (!form.extraColumns.includes(col)) form.extraColumns.push(col);
      take(ctx, i);
    }
  }
  items.forEach((it, i) => {
    if (used[i]) return;
    if (lexOf(it, 'their')) take(ctx, i);
    const f = lexOf(it, 'field', ctx.entityKey);
    if (f && !ids.length) {
      take(ctx, i);
      if (
        f.column !== entity.idColumn &&
        !entity.listColumns.includes(f.column) &&
        !form.extraColumns.includes(f.column)
      )
        form.extraColumns.push(f.column);
    }
    const verb = lexOf(it, 'timeVerb', ctx.entityKey);
    // "how many bugs were created": the verb alone restricts nothing.
    if (verb && !used[i]) take(ctx, i);
  });

  if (askedDim && (most || counting)) addGroup(ctx, askedDim);
  personRole(ctx);
  // "which reviewer reviewed the most PRs": the verb of the role asked for or grouped by says nothing more.
  items.forEach((it, i) => {
    const role = !used[i] && it.t === 'unknown' ? roleOfVerb(ctx, it.words) : null;
    if (role && (form.groups.some((g) => g.dim === role) || askedDim === role)) take(ctx, i);
  });
  const ranking = most as { dir: 'asc' | 'desc'; at: number } | null;
  const latest = recency as { dir: 'asc' | 'desc'; column: string | null; at: number } | null;

  if (ids.length) {
    // "is PAY-3 resolved?" is a yes/no question, not a list of matching records.
    if (form.filters.some((f) => f.column !== entity.idColumn))
      ctx.problems.push('a yes/no question about a record');
    if (asked) {
      form.projection = { kind: 'lookup', column: asked.column, name: asked.name };
    } else if (countAt >= 0) form.projection = { kind: 'count' };
    else form.projection = { kind: 'rows' };
    if (ranking || latest || form.groups.length) ctx.problems.push('a ranking of named records');
    return;
  }
  if (!hasMeasure && countAt < 0 && ranking && form.groups.length === 0 && !form.grain) {
    // "the 5 largest pull requests": a superlative the model ties to one measure ranks the records by it alone.
    const singular = entityNounAt >= 0 && !/s$/.test(items[entityNounAt].words);
    const word = items[ranking.at].words;
    const implied = Object.entries(ctx.model.measures).find(
      ([, m]) => m.entity === ctx.entityKey && m.ranks?.[ranking.dir].includes(word) && rankable(m),
    );
    if (implied && (n !== null || singular)) {
      applyRules(ctx, implied[0], `rule`);
      rankRecords(ctx, implied[0], ranking.dir, n ?? 1);
      return;
    }
  }
  if (hasMeasure || countAt >= 0 || ranking || form.groups.length > 0 || form.grain) {
    if (!hasMeasure) form.projection = { kind: 'count' };
    const proj = form.projection;
    if (ranking && proj.kind === 'measure' && form.groups.length === 0 && !form.grain) {
      // "the longest cycle time": the measure's maximum, not a ranking.
      const m = ctx.model.measures[proj.measure];
      const agg = ranking.dir === 'desc' ? 'max' : 'min';
      // "top 3 bugs with the longest cycle time" asks for records ranked by their own value, not one figure.
      if (n !== null) {
        if (rankable(m)) rankRecords(ctx, proj.measure, ranking.dir, n);
        else
          ctx.problems.push(
            `the ${String(n)} records with the ${ranking.dir === 'desc' ? 'highest' : 'lowest'} ${m.label}`,
          );
        return;
      }
      if ((m.type === 'number' || m.type === 'duration') && m.aggregations.includes(agg)) {
        form.projection = { ...proj, agg, percentile: null };
        return;
      }
    }
    if (latest && proj.kind === 'measure' && form.groups.length === 0 && !form.grain && n === null) {
      // "the oldest work in progress": of an age (a duration up to now), the earliest start is the largest age.
      const m = ctx.model.measures[proj.measure];
      const agg = latest.dir === 'asc' ? 'max' : 'min';
      if (
        m.type === 'duration' &&
        m.end === 'now' &&
        (latest.column ?? m.start) === m.start &&
        m.aggregations.includes(agg)
      ) {
        form.projection = { ...proj, agg, percentile: null };
        return;
      }
    }
    if (ranking) {
      if (form.groups.length === 0 && !form.grain) {
        ctx.problems.push(`"${items[ranking.at].words}" without a group to rank`);
        return;
      }
      form.order = { by: 'measure', direction: ranking.dir };
      form.limit = n ?? 1;
    } else if (latest) ctx.problems.push(`"${items[latest.at].words}" with a count`);
    if (distinctWanted && countAt >= 0) ctx.problems.push('a count of distinct values');
    return;
  }
  if (askedDim) {
    const d = entity.dimensions[askedDim];
    form.projection = { kind: 'distinct', column: d.column, name: askedDim };
    if (latest) ctx.problems.push('a ranking of values');
    return;
  }
  form.projection = { kind: 'rows' };
  if (sorted) {
    form.order = sorted;
    if (latest) ctx.problems.push('two orders');
  } else if (latest) {
    form.order = { by: latest.column ?? entity.defaultTimeColumn, direction: latest.dir };
    const singular = entityNounAt >= 0 && !/s$/.test(items[entityNounAt].words);
    form.limit = n ?? (singular || whenLatest ? 1 : null);
  } else if (n !== null) ctx.problems.push(`the number ${String(n)}`);
  void isStop;
}
