import { Global, Module } from '@nestjs/common';
import { HttpMetricsHook } from './http-metrics.hook';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { PerformanceStoreService } from './performance-store.service';
import { PerformanceController } from './performance.controller';
import { PerformanceService } from './performance.service';

/** Prometheus metrics and per-tenant performance figures. Needs AppConfig and RedisService (global modules). */
@Global()
@Module({
  controllers: [MetricsController, PerformanceController],
  providers: [MetricsService, PerformanceStoreService, PerformanceService, HttpMetricsHook],
  exports: [MetricsService, PerformanceService],
})
export class MetricsModule {}
