import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, Matches, Max, Min } from 'class-validator';
import { INSIGHT_METRIC_IDS } from '../series/insight-metric';
import { SEVERITIES } from '../insights.types';
import type { InsightRow } from '../insights.repository';

export class ListInsightsQueryDto {
  @ApiPropertyOptional({
    description: 'ISO-8601 instant: findings detected or whose window ends after it',
    example: '2026-11-30T00:00:00Z',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ description: 'One severity or a comma-separated list', example: 'medium,high' })
  @IsOptional()
  @Matches(/^(low|medium|high)(,(low|medium|high))*$/, {
    message: 'severity must be low, medium or high, or a comma-separated list of them',
  })
  severity?: string;

  @ApiPropertyOptional({ enum: INSIGHT_METRIC_IDS })
  @IsOptional()
  @IsIn(INSIGHT_METRIC_IDS)
  metric?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

export class InsightDimensionDto {
  @ApiProperty({ example: 'service' }) name!: string;
  @ApiProperty({ example: 'payments-api' }) value!: string;
}

export class InsightWindowDto {
  @ApiProperty({ format: 'date-time', description: 'Inclusive' }) start!: string;
  @ApiProperty({ format: 'date-time', description: 'Exclusive' }) end!: string;
}

export class InsightExpectedDto {
  @ApiProperty({ description: 'Usual value (robust baseline)' }) value!: number;
  @ApiProperty({ description: 'Low end of the usual range' }) low!: number;
  @ApiProperty({ description: 'High end of the usual range' }) high!: number;
}

export class InsightDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: INSIGHT_METRIC_IDS }) metric!: string;
  @ApiProperty({ type: InsightDimensionDto, nullable: true, description: 'null for the tenant-wide series' })
  dimension!: InsightDimensionDto | null;
  @ApiProperty({ enum: ['day', 'week'] }) grain!: string;
  @ApiProperty({ enum: ['spike', 'level_shift'] }) kind!: string;
  @ApiProperty({ type: InsightWindowDto }) window!: InsightWindowDto;
  @ApiProperty({ enum: ['up', 'down'] }) direction!: string;
  @ApiProperty({ description: 'Value in the window (a rate in [0,1], hours, lines or a count)' })
  observed!: number;
  @ApiProperty({ type: InsightExpectedDto }) expected!: InsightExpectedDto;
  @ApiProperty({ enum: SEVERITIES }) severity!: string;
  @ApiProperty({ example: 'Change failure rate for payments-api rose to 38% in the week of 30 Nov, …' })
  summary!: string;
  @ApiProperty({
    description: 'SQL behind the finding, as the SQL guard accepts it (it adds the tenant filter)',
  })
  evidenceSql!: string;
  @ApiProperty({ format: 'date-time' }) detectedAt!: string;
  @ApiProperty({ enum: ['open', 'dismissed'] }) status!: string;
}

export class InsightListDto {
  @ApiProperty({ type: [InsightDto] }) insights!: InsightDto[];
}

export class RefreshAcceptedDto {
  @ApiProperty({ example: true }) queued!: boolean;
}

export function toInsightDto(r: InsightRow): InsightDto {
  return {
    id: r.id,
    metric: r.metric,
    dimension: r.dimensionName ? { name: r.dimensionName, value: r.dimensionValue } : null,
    grain: r.grain,
    kind: r.kind,
    window: { start: r.windowStart, end: r.windowEnd },
    direction: r.direction,
    observed: r.observed,
    expected: { value: r.expected, low: r.expectedLow, high: r.expectedHigh },
    severity: r.severity,
    summary: r.summary,
    evidenceSql: r.evidenceSql,
    detectedAt: r.detectedAt,
    status: r.status,
  };
}

export class ForecastRangeDto {
  @ApiProperty() value!: number;
  @ApiProperty() low!: number;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'null: at the slowest pace seen it may not clear',
  })
  high!: number | null;
}

export class NetPerWeekDto {
  @ApiProperty({ description: 'Items resolved minus items created per week (mean)' }) value!: number;
  @ApiProperty() low!: number;
  @ApiProperty() high!: number;
}

export class BacklogForecastDto {
  @ApiProperty({ type: InsightDimensionDto }) dimension!: InsightDimensionDto;
  @ApiProperty({ description: 'Open items now' }) open!: number;
  @ApiProperty({ type: NetPerWeekDto }) netPerWeek!: NetPerWeekDto;
  @ApiProperty({ type: ForecastRangeDto, nullable: true, description: 'null: the backlog is not shrinking' })
  weeks!: ForecastRangeDto | null;
  @ApiProperty({ description: 'Change of weekly throughput per week (least-squares slope)' })
  throughputTrend!: number;
  @ApiProperty({ description: 'Weeks of history the forecast rests on (8–12)' }) history!: number;
  @ApiProperty({
    example: 'At the current pace the open backlog of project PAY (42 items) clears in 6 weeks (4–11).',
  })
  summary!: string;
}

export class ForecastListDto {
  @ApiProperty({ type: [BacklogForecastDto] }) forecasts!: BacklogForecastDto[];
}
