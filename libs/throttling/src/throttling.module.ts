import { Module } from '@nestjs/common';
import { RateLimitHook } from './rate-limit.hook';
import { RateLimitService } from './rate-limit.service';
import { TenantLimitsController } from './tenant-limits.controller';
import { TenantLimitsService } from './tenant-limits.service';

/**
 * Per-tenant rate limits by route class, shared across API pods through Redis, with overrides through
 * PUT /v1/admin/tenants/{id}/limits. Needs the global Config, Database, Tenancy and Metrics modules.
 */
@Module({
  controllers: [TenantLimitsController],
  providers: [RateLimitHook, RateLimitService, TenantLimitsService],
  exports: [TenantLimitsService, RateLimitService],
})
export class ThrottlingModule {}
