import { Global, Module } from '@nestjs/common';
import { DatabaseEvents } from './database-events.service';
import { PgPoolService } from './pg-pool.service';
import { PrismaService } from './prisma.service';
import { RedisService } from './redis.service';

@Global()
@Module({
  providers: [PrismaService, PgPoolService, RedisService, DatabaseEvents],
  exports: [PrismaService, PgPoolService, RedisService, DatabaseEvents],
})
export class DatabaseModule {}
