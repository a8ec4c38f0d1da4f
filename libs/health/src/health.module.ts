import { Global, Module, OnModuleInit } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { PrismaService, RedisService } from '@app/database';
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
    private readonly prisma: PrismaService,
    private readonly redis: RedisService,
  ) {}

  onModuleInit(): void {
    this.registry.register('postgres', async () => {
      await this.prisma.$queryRaw`SELECT 1`;
      return true;
    });
    this.registry.register('redis', () => this.redis.ping());
  }
}
