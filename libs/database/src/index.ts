export * from './database.module';
export * from './database-unavailable';
export * from './pg-pool.service';
export * from './redis.service';
export * from './database-events.service';
