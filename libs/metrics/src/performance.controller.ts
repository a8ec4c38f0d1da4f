import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Access, CurrentCaller, tenantIdOf, type Caller } from '@app/tenancy';
import type { PerformanceReport } from './dto/performance-report.dto';
import { PerformanceService } from './performance.service';

/** A tenant sees its own figures; the admin sees every tenant's summed, or one tenant's with `?tenantId=`. */
const counts = { type: 'object', additionalProperties: { type: 'number' } };
const latency = {
  type: 'object',
  properties: {
    p50: { type: 'number', nullable: true },
    p95: { type: 'number', nullable: true },
    samples: { type: 'number' },
  },
};
/** PerformanceReport (dto/performance-report.dto.ts) as an OpenAPI schema. */
const PERFORMANCE_REPORT_SCHEMA = {
  type: 'object',
  required: ['scope', 'cache', 'routes', 'latencyMs', 'providers', 'queues', 'embedding'],
  properties: {
    scope: { type: 'string', enum: ['tenant', 'all'] },
    cache: counts,
    routes: counts,
    latencyMs: { type: 'object', additionalProperties: latency },
    providers: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          calls: { type: 'number' },
          errors: { type: 'number' },
          inputTokens: { type: 'number' },
          outputTokens: { type: 'number' },
          costUsd: { type: 'number' },
        },
      },
    },
    queues: { type: 'object', additionalProperties: counts },
    embedding: {
      type: 'object',
      properties: { model: { type: 'string', nullable: true }, textsEmbedded: { type: 'number' } },
    },
  },
};

@ApiTags('metrics')
@Access('tenant-or-admin')
@Controller('v1/metrics')
export class PerformanceController {
  constructor(private readonly performance: PerformanceService) {}

  @Get('performance')
  @ApiQuery({ name: 'tenantId', required: false, description: 'Admin only: one tenant instead of all' })
  @ApiOkResponse({
    description: 'Cache, route, latency, provider, queue and embedding figures',
    schema: PERFORMANCE_REPORT_SCHEMA,
  })
  get(
    @CurrentCaller() caller: Caller | undefined,
    @Query('tenantId') tenantId?: string,
  ): Promise<PerformanceReport> {
    // A tenant's own key decides its scope; a tenantId in the query is only honoured for the admin.
    if (caller?.kind === 'admin') return this.performance.get(tenantId || 'all');
    return this.performance.get(tenantIdOf(caller));
  }
}
