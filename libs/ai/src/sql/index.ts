export * from './sql.module';
export * from './sql-guard.service';
export { loadSqlParser, parseSql, type ParsedSql } from './parse-sql';
export * from './sql-validator.service';
export * from './sql-executor.service';
export * from './sql-guard.exception';
export * from './sql-catalog';
export * from './sql.types';
export type { ColumnIssue } from './query-analyzer';
