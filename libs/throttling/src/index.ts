export * from './route-class';
export * from './rate-limit.service';
export * from './tenant-limits.service';
export * from './throttling.exception';
export * from './throttling.module';
export * from './dto/tenant-limits.dto';
export * from './daily-quota.service';
export * from './fair-scheduler';
