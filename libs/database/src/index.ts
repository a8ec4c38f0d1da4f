export * from './database.module';
export * from './prisma.service';
export * from './pg-pool.service';
export * from './redis.service';
export * from './database-events.service';
