export * from './metrics.module';
export * from './metrics.service';
export * from './performance.service';
export * from './metrics.exception';
export * from './http-metrics.hook';
export * from './metrics.types';
export type * from './dto/performance-report.dto';
