import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';

export const INTEGRATION_KINDS = ['llm', 'embedding', 'webhook'] as const;
export const INTEGRATION_PROVIDERS = ['openai-compatible', 'webhook'] as const;
export const INTEGRATION_TIERS = ['simple', 'complex', 'any'] as const;
export type IntegrationKind = (typeof INTEGRATION_KINDS)[number];
export type IntegrationTier = (typeof INTEGRATION_TIERS)[number];

export class PutIntegrationDto {
  @ApiProperty({ enum: INTEGRATION_KINDS })
  @IsIn(INTEGRATION_KINDS)
  kind!: IntegrationKind;

  @ApiProperty({ enum: INTEGRATION_PROVIDERS })
  @IsIn(INTEGRATION_PROVIDERS)
  provider!: (typeof INTEGRATION_PROVIDERS)[number];

  @ApiProperty({ example: 'https://llm-gateway.internal/v1' })
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  @Length(1, 2000)
  baseUrl!: string;

  @ApiPropertyOptional({ example: 'gpt-4o-mini', description: 'Required except for kind "webhook"' })
  @ValidateIf((o: PutIntegrationDto) => o.kind !== 'webhook' || o.model !== undefined)
  @IsString()
  @Length(1, 200)
  model?: string;

  @ApiPropertyOptional({
    description:
      'Write-only. Omit to keep the stored key, null to remove it. For kind "webhook": the signing secret.',
    nullable: true,
  })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  @Length(1, 4000)
  apiKey?: string | null;

  @ApiPropertyOptional({ enum: INTEGRATION_TIERS, default: 'any' })
  @IsOptional()
  @IsIn(INTEGRATION_TIERS)
  tier?: IntegrationTier;

  @ApiPropertyOptional({ default: 0 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  inputCostPer1k?: number;

  @ApiPropertyOptional({ default: 0 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  outputCostPer1k?: number;

  @ApiPropertyOptional({ default: 20000 })
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(600_000)
  timeoutMs?: number;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ default: 0, description: 'Lower runs first among equals' })
  @IsOptional()
  @IsInt()
  @Min(-1000)
  @Max(1000)
  priority?: number;
}

export class IntegrationDto {
  @ApiProperty() name!: string;
  @ApiProperty({ enum: INTEGRATION_KINDS }) kind!: string;
  @ApiProperty() provider!: string;
  @ApiProperty() baseUrl!: string;
  @ApiProperty() model!: string;
  @ApiProperty() hasApiKey!: boolean;
  @ApiProperty({ enum: INTEGRATION_TIERS }) tier!: string;
  @ApiProperty() inputCostPer1k!: number;
  @ApiProperty() outputCostPer1k!: number;
  @ApiProperty() timeoutMs!: number;
  @ApiProperty() enabled!: boolean;
  @ApiProperty() priority!: number;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}
