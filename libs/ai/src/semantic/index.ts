export * from './query-plan.types';
export * from './semantic-model.schema';
export * from './semantic-model.loader';
export * from './semantic-model.service';
export * from './question-planner.service';
export * from './semantic-sql-compiler.service';
export * from './semantic.exception';
export * from './semantic.module';
export {
  parseTimeExpressions,
  describeWindow,
  truncateUtc,
  type TimeWindow,
  type TimeParse,
} from './time-window.parser';
