import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  MaxLength,
  Min,
} from 'class-validator';

const ISO = { strict: true } as const;
const MAX_LIST = 500;
const MAX_NAME = 200;

export const WORK_ITEM_TYPES = ['bug', 'story', 'task', 'epic', 'incident'] as const;
export const WORK_ITEM_STATUSES = ['todo', 'in_progress', 'in_review', 'done', 'cancelled'] as const;
export const PRIORITIES = ['lowest', 'low', 'medium', 'high', 'highest'] as const;
export const PR_STATES = ['open', 'merged', 'closed'] as const;
export const ENVIRONMENTS = ['production', 'staging', 'development'] as const;
export const DEPLOYMENT_STATUSES = ['success', 'failed', 'rolled_back'] as const;

export class WorkItemRecordDto {
  @ApiProperty({ example: 'PAY-1042' }) @IsString() @Length(1, 128) externalId!: string;
  @ApiProperty({ example: 'PAY' }) @IsString() @Length(1, MAX_NAME) project!: string;
  @ApiProperty() @IsString() @Length(1, 1000) title!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100_000) description?: string;
  @ApiProperty({ enum: WORK_ITEM_TYPES }) @IsIn(WORK_ITEM_TYPES) type!: string;
  @ApiProperty({ enum: WORK_ITEM_STATUSES }) @IsIn(WORK_ITEM_STATUSES) status!: string;
  @ApiProperty({ enum: PRIORITIES }) @IsIn(PRIORITIES) priority!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, MAX_NAME) assignee?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, MAX_NAME) reporter?: string;
  @ApiPropertyOptional()
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  storyPoints?: number;
  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_LIST)
  @IsString({ each: true })
  @MaxLength(MAX_NAME, { each: true })
  labels?: string[];
  @ApiProperty() @IsISO8601(ISO) createdAt!: string;
  @ApiProperty() @IsISO8601(ISO) updatedAt!: string;
  @ApiPropertyOptional() @IsOptional() @IsISO8601(ISO) resolvedAt?: string;
}

export class PullRequestRecordDto {
  @ApiProperty({ example: 'payments-api#311' }) @IsString() @Length(1, 128) externalId!: string;
  @ApiProperty() @IsString() @Length(1, MAX_NAME) repository!: string;
  @ApiProperty() @IsString() @Length(1, 1000) title!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100_000) description?: string;
  @ApiProperty() @IsString() @Length(1, MAX_NAME) author!: string;
  @ApiProperty({ enum: PR_STATES }) @IsIn(PR_STATES) state!: string;
  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_LIST)
  @IsString({ each: true })
  @MaxLength(MAX_NAME, { each: true })
  reviewers?: string[];
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) additions?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) deletions?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) changedFiles?: number;
  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_LIST)
  @IsString({ each: true })
  @MaxLength(128, { each: true })
  workItemKeys?: string[];
  @ApiProperty() @IsISO8601(ISO) createdAt!: string;
  @ApiPropertyOptional() @IsOptional() @IsISO8601(ISO) mergedAt?: string;
  @ApiPropertyOptional() @IsOptional() @IsISO8601(ISO) closedAt?: string;
}

export class DeploymentRecordDto {
  @ApiProperty() @IsString() @Length(1, 128) externalId!: string;
  @ApiProperty() @IsString() @Length(1, MAX_NAME) service!: string;
  @ApiProperty({ enum: ENVIRONMENTS }) @IsIn(ENVIRONMENTS) environment!: string;
  @ApiProperty({ enum: DEPLOYMENT_STATUSES }) @IsIn(DEPLOYMENT_STATUSES) status!: string;
  @ApiProperty() @IsString() @Length(1, MAX_NAME) version!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, MAX_NAME) commitSha?: string;
  @ApiProperty() @IsISO8601(ISO) startedAt!: string;
  @ApiPropertyOptional() @IsOptional() @IsISO8601(ISO) finishedAt?: string;
}
