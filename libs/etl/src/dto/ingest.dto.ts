import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional } from 'class-validator';
import { ENTITIES } from '@app/common';

export const MAX_BATCH_RECORDS = 5000;

export class IngestRecordsDto {
  @ApiProperty({
    description: `1..${MAX_BATCH_RECORDS} records of the entity (fields in docs/data-model.md); each is validated on its own`,
    type: 'array',
    items: { type: 'object' },
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH_RECORDS)
  records!: unknown[];
}

export class RejectedRecordDto {
  @ApiProperty() index!: number;
  @ApiProperty({ type: [String] }) errors!: string[];
}

export class IngestResultDto {
  @ApiProperty() batchId!: string;
  @ApiProperty() accepted!: number;
  @ApiProperty({ type: [RejectedRecordDto] }) rejected!: RejectedRecordDto[];
  @ApiProperty() inserted!: number;
  @ApiProperty() updated!: number;
  @ApiProperty() unchanged!: number;
  @ApiProperty({ description: 'Records queued for vectorization (inserted or changed text)' })
  queued!: number;
}

export class BatchStatusDto {
  @ApiProperty() batchId!: string;
  @ApiProperty({ enum: ['queued', 'running', 'done', 'failed'] }) status!:
    'queued' | 'running' | 'done' | 'failed';
  @ApiProperty() total!: number;
  @ApiProperty() embedded!: number;
  @ApiProperty() skipped!: number;
  @ApiProperty() failed!: number;
  @ApiProperty() pending!: number;
}

export class BackfillRequestDto {
  @ApiPropertyOptional({ enum: ENTITIES })
  @IsOptional()
  @IsIn(ENTITIES)
  entity?: (typeof ENTITIES)[number];
}
