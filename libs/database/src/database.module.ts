import { Global, Module } from '@nestjs/common';
import { DatabaseEventsService } from './database-events.service';
import { PgPoolService } from './pg-pool.service';
import { RedisService } from './redis.service';

@Global()
@Module({
  providers: [PgPoolService, RedisService, DatabaseEventsService],
  exports: [PgPoolService, RedisService, DatabaseEventsService],
})
export class DatabaseModule {}
