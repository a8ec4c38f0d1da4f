import { Global, Module, OnModuleInit } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { PgPoolService, RedisService } from '@app/database';
import { HealthController } from './health.controller';
import { ReadinessRegistry } from './readiness.registry';

@Global()
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [ReadinessRegistry],
  exports: [ReadinessRegistry],
})
export class HealthModule implements OnModuleInit {
  constructor(
    private readonly registry: ReadinessRegistry,
    private readonly pg: PgPoolService,
    private readonly redis: RedisService,
  ) {}

  onModuleInit(): void {
    this.registry.register('postgres', () => this.pg.ping());
    this.registry.register('redis', () => this.redis.ping());
  }
}
