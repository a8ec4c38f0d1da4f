import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNumber, IsOptional, IsString, Length, Matches, Min } from 'class-validator';

export class CreateTenantDto {
  @ApiProperty({ example: 'acme', description: 'URL-safe identifier, unique' })
  @IsString()
  @Matches(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, {
    message: 'slug must be 1-64 lowercase letters, digits or inner hyphens',
  })
  slug!: string;

  @ApiProperty({ example: 'Acme Inc' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({ example: 50, description: 'Monthly LLM spending limit in USD (none when omitted)' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  monthlyBudgetUsd?: number;
}

export class TenantCreatedDto {
  @ApiProperty() id!: string;
  @ApiProperty() slug!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'Shown once; only a keyed hash is stored' }) apiKey!: string;
}

export class ApiKeyCreatedDto {
  @ApiProperty() id!: string;
  @ApiProperty({ description: 'Shown once; only a keyed hash is stored' }) apiKey!: string;
}
