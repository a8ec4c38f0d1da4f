import { z } from 'zod';

const identifier = z.string().regex(/^[a-z_][a-z0-9_]*$/, 'must be a snake_case identifier');
const phrases = z.array(z.string().trim().min(1)).default([]);

/**
 * lt/gte/gt/lte compare a time column with an instant, or a numeric column with a number; text_contains is a
 * case-insensitive substring match; is_empty and not_empty test an array column for elements.
 */
export const FILTER_OPS = [
  'eq',
  'in',
  'not_in',
  'is_null',
  'not_null',
  'contains',
  'lt',
  'gte',
  'gt',
  'lte',
  'text_contains',
  'is_empty',
  'not_empty',
] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

export const TIME_GRAINS = ['day', 'week', 'month', 'quarter', 'year'] as const;
export type TimeGrain = (typeof TIME_GRAINS)[number];

export const AGGREGATIONS = ['avg', 'median', 'percentile', 'sum', 'min', 'max'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

const conditionSchema = z
  .object({
    column: identifier,
    op: z.enum(FILTER_OPS),
    values: z.array(z.string()).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const needsValues = !['is_null', 'not_null', 'is_empty', 'not_empty'].includes(c.op);
    if (needsValues && (!c.values || c.values.length === 0)) {
      ctx.addIssue({ code: 'custom', message: `op ${c.op} needs values` });
    }
  });
export type ModelCondition = z.infer<typeof conditionSchema>;

const dimensionValueSchema = z
  .object({
    phrases,
    /** Plural noun used in answer column names ("bugs_resolved"). */
    noun: identifier.optional(),
    /** Time column the value implies ("resolved" means a window on resolved_at). */
    timeColumn: identifier.optional(),
    /** Column-name template for counts; {noun} is the entity's or type's noun. */
    aliasTemplate: z.string().optional(),
  })
  .strict();

const dimensionSchema = z
  .object({
    column: identifier,
    label: z.string(),
    phrases,
    array: z.boolean().default(false),
    values: z.record(z.string(), dimensionValueSchema).optional(),
    /** Words that introduce a free-text value of this dimension ("assigned to alice"). */
    valuePrefixes: z.array(z.string()).default([]),
  })
  .strict();
export type ModelDimension = z.infer<typeof dimensionSchema>;

const segmentSchema = z
  .object({
    phrases,
    where: z.array(conditionSchema).min(1),
    timeColumn: identifier.optional(),
    aliasTemplate: z.string().optional(),
  })
  .strict();
export type ModelSegment = z.infer<typeof segmentSchema>;

const entitySchema = z
  .object({
    table: identifier,
    alias: identifier,
    label: z.string(),
    noun: identifier,
    tenantColumn: identifier,
    columns: z.array(identifier).min(1),
    phrases,
    timeColumns: z.record(identifier, z.object({ label: z.string(), phrases }).strict()),
    defaultTimeColumn: identifier,
    personDimension: identifier.optional(),
    locationDimension: identifier.optional(),
    dimensions: z.record(identifier, dimensionSchema),
    segments: z.record(identifier, segmentSchema).default({}),
    /** Column holding the record id people quote ("PAY-123"); answers list it first as `id`. */
    idColumn: identifier.optional(),
    /** Regular expression a record id of this entity matches ("PAY-123"); ids tell which entity is meant. */
    idPattern: z.string().optional(),
    /** Columns a list of records shows after the id, in order. */
    listColumns: z.array(identifier).default([]),
    /** Text column that "mentioning X" searches. */
    textColumn: identifier.optional(),
  })
  .strict();
export type ModelEntity = z.infer<typeof entitySchema>;

const expressionSchema = z.union([
  z.object({ column: identifier }).strict(),
  z.object({ add: z.array(identifier).min(2) }).strict(),
  z.object({ arrayLength: identifier }).strict(),
]);
export type ModelExpression = z.infer<typeof expressionSchema>;

/** `column` of the measure's entity, or `entity.column` of the entity joined through `via`. */
const columnRef = z.string().regex(/^([a-z_][a-z0-9_]*\.)?[a-z_][a-z0-9_]*$/);

/**
 * The end of a duration that is not a column of the row itself. `now`: the question's reference time (the age of
 * an open item). `next`: a column of the next row of the same entity (and tenant) that shares the `same` columns,
 * meets `where` and comes later on `after` — "the next successful deployment of the same service". Rows without
 * such a next row have no duration and are left out of the aggregate.
 */
const nextRowSchema = z
  .object({
    next: z
      .object({
        column: identifier,
        after: identifier,
        same: z.array(identifier).default([]),
        where: z.array(conditionSchema).default([]),
      })
      .strict(),
  })
  .strict();
export type ModelNextRow = z.infer<typeof nextRowSchema>['next'];
const durationEnd = z.union([z.literal('now'), columnRef, nextRowSchema]);
export type ModelDurationEnd = z.infer<typeof durationEnd>;

const measureBase = {
  entity: identifier,
  label: z.string(),
  phrases,
  alias: identifier.optional(),
  timeColumn: identifier.optional(),
  defaultGrain: z.enum(TIME_GRAINS).optional(),
  via: identifier.optional(),
  howLongVerbs: z.array(z.string()).default([]),
  /**
   * The measure describes the present (work in progress): a time window is refused unless a verb names its date
   * ("WIP created last month"), since the data keeps no history to say what it was in a past period.
   */
  snapshot: z.boolean().default(false),
  /**
   * Superlatives that rank records by this measure alone, in each direction ("the 5 largest pull requests": the
   * size). Only for a measure one record has a value of (a number, or a duration between two of its columns).
   */
  ranks: z.object({ desc: phrases, asc: phrases }).strict().optional(),
};

const measureSchema = z.discriminatedUnion('type', [
  z.object({ ...measureBase, type: z.literal('count') }).strict(),
  z
    .object({
      ...measureBase,
      type: z.literal('number'),
      expression: expressionSchema,
      unit: z.string().optional(),
      aggregations: z.array(z.enum(AGGREGATIONS)).min(1),
      defaultAggregation: z.enum(AGGREGATIONS),
    })
    .strict(),
  z
    .object({
      ...measureBase,
      type: z.literal('duration'),
      start: columnRef,
      end: durationEnd,
      unit: z.enum(['minutes', 'hours', 'days']),
      aggregations: z.array(z.enum(AGGREGATIONS)).min(1),
      defaultAggregation: z.enum(AGGREGATIONS),
    })
    .strict(),
  z
    .object({
      ...measureBase,
      type: z.literal('ratio'),
      numerator: z.array(conditionSchema).min(1),
      numeratorAlias: identifier.optional(),
      denominatorAlias: identifier.optional(),
    })
    .strict(),
]);
export type ModelMeasure = z.infer<typeof measureSchema>;

const relationshipSchema = z
  .object({
    from: z.object({ entity: identifier, column: identifier }).strict(),
    to: z.object({ entity: identifier, column: identifier }).strict(),
    /** array_contains: to.column = ANY(from.column); equals: to.column = from.column. */
    join: z.enum(['array_contains', 'equals']),
    description: z.string(),
  })
  .strict();
export type ModelRelationship = z.infer<typeof relationshipSchema>;

const ruleSchema = z
  .object({
    id: identifier,
    description: z.string(),
    measures: z.array(identifier).min(1),
    where: z.array(conditionSchema),
    overridable: z.boolean().default(false),
  })
  .strict();
export type ModelRule = z.infer<typeof ruleSchema>;

const vocabularySchema = z
  .object({
    aggregations: z
      .object({ avg: phrases, median: phrases, sum: phrases, min: phrases, max: phrases })
      .strict(),
    descending: phrases,
    ascending: phrases,
    who: phrases,
    fillers: phrases,
  })
  .strict();

export const semanticModelSchema = z
  .object({
    version: z.string().min(1),
    description: z.string().optional(),
    timezone: z.literal('UTC'),
    weekStart: z.literal('monday'),
    entities: z.record(identifier, entitySchema),
    relationships: z.record(identifier, relationshipSchema).default({}),
    measures: z.record(identifier, measureSchema),
    rules: z.array(ruleSchema).default([]),
    vocabulary: vocabularySchema,
    examples: z.array(z.string()).default([]),
  })
  .strict()
  .superRefine((model, ctx) => {
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path, message });
    const hasColumn = (entity: string, column: string) =>
      model.entities[entity]?.columns.includes(column) ?? false;

    for (const [key, e] of Object.entries(model.entities)) {
      const path = ['entities', key];
      if (!e.columns.includes(e.tenantColumn)) issue(path, `tenantColumn ${e.tenantColumn} is not a column`);
      for (const col of Object.keys(e.timeColumns)) {
        if (!e.columns.includes(col)) issue([...path, 'timeColumns', col], `${col} is not a column`);
      }
      if (!e.timeColumns[e.defaultTimeColumn]) issue(path, 'defaultTimeColumn must be one of timeColumns');
      for (const dim of [e.personDimension, e.locationDimension]) {
        if (dim && !e.dimensions[dim]) issue(path, `unknown dimension ${dim}`);
      }
      for (const [dk, d] of Object.entries(e.dimensions)) {
        if (!e.columns.includes(d.column)) issue([...path, 'dimensions', dk], `${d.column} is not a column`);
        for (const [vk, v] of Object.entries(d.values ?? {})) {
          if (v.timeColumn && !e.timeColumns[v.timeColumn]) {
            issue([...path, 'dimensions', dk, 'values', vk], `${v.timeColumn} is not a time column`);
          }
        }
      }
      for (const [sk, s] of Object.entries(e.segments)) {
        for (const c of s.where) {
          if (!e.columns.includes(c.column)) issue([...path, 'segments', sk], `${c.column} is not a column`);
        }
      }
    }

    for (const [key, r] of Object.entries(model.relationships)) {
      if (!hasColumn(r.from.entity, r.from.column)) issue(['relationships', key, 'from'], 'unknown column');
      if (!hasColumn(r.to.entity, r.to.column)) issue(['relationships', key, 'to'], 'unknown column');
    }

    for (const [key, m] of Object.entries(model.measures)) {
      const path = ['measures', key];
      const entity = model.entities[m.entity];
      if (!entity) {
        issue(path, `unknown entity ${m.entity}`);
        continue;
      }
      const joined = m.via ? model.relationships[m.via] : undefined;
      if (m.via && (!joined || joined.from.entity !== m.entity)) {
        issue(path, `via ${m.via} must be a relationship from ${m.entity}`);
      }
      const checkRef = (ref: string) => {
        const [ent, col] = ref.includes('.') ? ref.split('.') : [m.entity, ref];
        if (ent !== m.entity && ent !== joined?.to.entity) issue(path, `${ref}: entity not reachable`);
        else if (!hasColumn(ent, col)) issue(path, `${ref} is not a column`);
      };
      if (m.timeColumn && !entity.timeColumns[m.timeColumn])
        issue(path, `${m.timeColumn} is not a time column`);
      switch (m.type) {
        case 'count':
          break;
        case 'number': {
          const e = m.expression;
          const cols = 'column' in e ? [e.column] : 'add' in e ? e.add : [e.arrayLength];
          cols.forEach(checkRef);
          if (!m.aggregations.includes(m.defaultAggregation)) issue(path, 'defaultAggregation not allowed');
          break;
        }
        case 'duration':
          checkRef(m.start);
          if (typeof m.end === 'object') {
            const n = m.end.next;
            [n.column, n.after, ...n.same, ...n.where.map((c) => c.column)].forEach(checkRef);
            if (m.via) issue(path, 'a duration to the next row cannot also join through via');
          } else if (m.end !== 'now') checkRef(m.end);
          if (!m.aggregations.includes(m.defaultAggregation)) issue(path, 'defaultAggregation not allowed');
          break;
        case 'ratio':
          m.numerator.forEach((c) => checkRef(c.column));
          break;
      }
    }

    model.rules.forEach((r, i) => {
      for (const mk of r.measures) {
        const m = model.measures[mk];
        if (!m) {
          issue(['rules', i], `unknown measure ${mk}`);
          continue;
        }
        for (const c of r.where) {
          if (!hasColumn(m.entity, c.column))
            issue(['rules', i], `${c.column} is not a column of ${m.entity}`);
        }
      }
    });
  });

export type SemanticModel = z.infer<typeof semanticModelSchema>;
