import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Access, TenantContext } from '@app/tenancy';
import type { PerformanceReport } from './dto/performance-report.dto';
import { PerformanceService } from './performance.service';

/** A tenant sees its own figures; the admin sees every tenant's summed, or one tenant's with `?tenantId=`. */
@ApiTags('metrics')
@Access('tenant-or-admin')
@Controller('v1/metrics')
export class PerformanceController {
  constructor(
    private readonly performance: PerformanceService,
    private readonly context: TenantContext,
  ) {}

  @Get('performance')
  @ApiQuery({ name: 'tenantId', required: false, description: 'Admin only: one tenant instead of all' })
  @ApiOkResponse({ description: 'Cache, route, latency, provider, queue and embedding figures' })
  get(@Query('tenantId') tenantId?: string): Promise<PerformanceReport> {
    // A tenant's own key decides its scope; a tenantId in the query is only honoured for the admin.
    if (this.context.caller?.kind === 'admin') return this.performance.get(tenantId || 'all');
    return this.performance.get(this.context.tenantId);
  }
}
