import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { Access, CurrentTenantId } from '@app/tenancy';
import {
  ForecastListDto,
  InsightDto,
  InsightListDto,
  ListInsightsQueryDto,
  RefreshAcceptedDto,
} from './dto/insight.dto';
import { BacklogForecastService } from './forecast/backlog-forecast.service';
import { InsightsService } from './insights.service';

@ApiTags('ai')
@Access('tenant')
@Controller('v1/ai/insights')
export class InsightsController {
  constructor(
    private readonly insights: InsightsService,
    private readonly backlog: BacklogForecastService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Unusual changes found in the tenant’s metrics, most recent first' })
  @ApiOkResponse({ type: InsightListDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: bad since, severity, metric or limit' })
  async list(
    @CurrentTenantId() tenantId: string,
    @Query() query: ListInsightsQueryDto,
  ): Promise<InsightListDto> {
    return { insights: await this.insights.list(tenantId, query) };
  }

  @Get('forecasts')
  @ApiOperation({
    summary:
      'Backlog clearance per project at the current pace, with an interval (needs 8+ weeks of history)',
  })
  @ApiOkResponse({ type: ForecastListDto })
  async forecasts(@CurrentTenantId() tenantId: string): Promise<ForecastListDto> {
    return { forecasts: await this.backlog.forecasts(tenantId) };
  }

  @Post('refresh')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Run detection for the tenant now (on the workers); findings appear when it ends',
  })
  @ApiAcceptedResponse({ type: RefreshAcceptedDto })
  async refresh(@CurrentTenantId() tenantId: string): Promise<RefreshAcceptedDto> {
    await this.insights.requestRun(tenantId, 'refresh');
    return { queued: true };
  }

  @Post(':id/dismiss')
  @HttpCode(200)
  @ApiOperation({ summary: 'Dismiss a finding (it stays listed with status "dismissed" and is not alerted)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: InsightDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: the id is not a UUID' })
  @ApiNotFoundResponse({ description: 'NOT_FOUND: no such finding for this tenant' })
  dismiss(@CurrentTenantId() tenantId: string, @Param('id') id: string): Promise<InsightDto> {
    return this.insights.dismiss(tenantId, id);
  }
}
