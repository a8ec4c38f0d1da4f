import { Module, OnModuleInit } from '@nestjs/common';
import { MetricsService } from '@app/metrics';
import { DailyQuotaService, QUOTA_CLOCK, systemClock } from './daily-quota.service';
import { FairShareService } from './fair-share.service';
import { RateLimitHook } from './rate-limit.hook';
import { RateLimitService } from './rate-limit.service';
import { TenantLimitsController } from './tenant-limits.controller';
import { TenantLimitsRepository } from './tenant-limits.repository';
import { TenantLimitsService } from './tenant-limits.service';

/**
 * Per-tenant rate limits by route class, shared across API pods through Redis, with overrides through
 * PUT /v1/admin/tenants/{id}/limits. Needs the global Config, Database, Tenancy and Metrics modules.
 */
@Module({
  controllers: [TenantLimitsController],
  providers: [
    RateLimitHook,
    RateLimitService,
    TenantLimitsRepository,
    TenantLimitsService,
    DailyQuotaService,
    FairShareService,
    { provide: QUOTA_CLOCK, useValue: systemClock },
  ],
  exports: [TenantLimitsService, RateLimitService, FairShareService],
})
export class ThrottlingModule implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    private readonly quotas: DailyQuotaService,
  ) {}

  onModuleInit(): void {
    this.metrics.registerQuotaReporter((tenantId) => this.quotas.report(tenantId));
  }
}
