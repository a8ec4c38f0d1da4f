import { Global, Module } from '@nestjs/common';
import { PgPoolService } from './pg-pool.service';
import { PrismaService } from './prisma.service';
import { RedisService } from './redis.service';

@Global()
@Module({
  providers: [PrismaService, PgPoolService, RedisService],
  exports: [PrismaService, PgPoolService, RedisService],
})
export class DatabaseModule {}
