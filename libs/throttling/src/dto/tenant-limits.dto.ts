import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min, ValidateIf } from 'class-validator';

const MAX = 1_000_000;

/** Overrides for one tenant: a number replaces the default, null returns to it, an absent field is kept. */
export class PutTenantLimitsDto {
  @ApiPropertyOptional({
    nullable: true,
    description: 'Questions per window (POST /v1/ai/query, /batch); 0 = unlimited',
  })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsInt()
  @Min(0)
  @Max(MAX)
  query?: number | null;

  @ApiPropertyOptional({ nullable: true, description: 'Searches per window (POST /v1/ai/search)' })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsInt()
  @Min(0)
  @Max(MAX)
  search?: number | null;

  @ApiPropertyOptional({ nullable: true, description: 'Embed calls per window (POST /v1/ai/embed)' })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsInt()
  @Min(0)
  @Max(MAX)
  embed?: number | null;

  @ApiPropertyOptional({ nullable: true, description: 'ETL calls per window (/v1/etl/*)' })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsInt()
  @Min(0)
  @Max(MAX)
  ingest?: number | null;

  @ApiPropertyOptional({
    nullable: true,
    description: 'Management calls per window (/v1/integrations, /v1/metrics/performance)',
  })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsInt()
  @Min(0)
  @Max(MAX)
  admin?: number | null;
  @ApiPropertyOptional({
    nullable: true,
    description: 'Questions per UTC day (batch questions count one each); 0 = no quota',
  })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  dailyQuestions?: number | null;

  @ApiPropertyOptional({
    nullable: true,
    description: 'Texts embedded per UTC day through POST /v1/ai/embed; 0 = no quota',
  })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  dailyEmbeddedTexts?: number | null;
}

export class RouteClassLimitsDto {
  @ApiProperty({ description: 'Questions per UTC day (0 = no quota)' }) dailyQuestions!: number;
  @ApiProperty({ description: 'Texts embedded per UTC day (0 = no quota)' }) dailyEmbeddedTexts!: number;
  @ApiProperty() query!: number;
  @ApiProperty() search!: number;
  @ApiProperty() embed!: number;
  @ApiProperty() ingest!: number;
  @ApiProperty() admin!: number;
}

export class TenantLimitsDto {
  @ApiProperty() tenantId!: string;
  @ApiProperty({
    description:
      'Seconds in which an empty bucket refills to its capacity (RATE_LIMIT_WINDOW_S): each limit is a burst of that many, refilled at that many per window',
  })
  windowS!: number;
  @ApiProperty({ type: RouteClassLimitsDto, description: 'Limits in force (0 = unlimited)' })
  effective!: RouteClassLimitsDto;
  @ApiProperty({ description: "This tenant's overrides; classes not listed use the default" })
  overrides!: Partial<RouteClassLimitsDto>;
}
