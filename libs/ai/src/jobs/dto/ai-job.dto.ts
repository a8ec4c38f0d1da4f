import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsOptional, ValidateNested } from 'class-validator';
import { QueryOptionsDto, QuestionList } from '../../query/dto/query-request.dto';
import { BatchErrorDto, QueryResponseDto } from '../../query/dto/query-response.dto';
import { JOB_MAX_QUESTIONS } from '../queue.constants';

export class CreateAiJobDto {
  @QuestionList(JOB_MAX_QUESTIONS)
  questions!: string[];

  @ApiPropertyOptional({ type: QueryOptionsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => QueryOptionsDto)
  options?: QueryOptionsDto;
}

export class AiJobCreatedDto {
  @ApiProperty({ format: 'uuid' }) jobId!: string;
}

export class AiJobProgressDto {
  @ApiProperty({ description: 'Questions answered (or failed) so far' }) done!: number;
  @ApiProperty() total!: number;
}

export const AI_JOB_STATUSES = ['queued', 'running', 'done', 'failed'] as const;
export type AiJobStatus = (typeof AI_JOB_STATUSES)[number];

export class AiJobDto {
  @ApiProperty({ format: 'uuid' }) jobId!: string;
  @ApiProperty({ enum: AI_JOB_STATUSES }) status!: AiJobStatus;
  @ApiProperty({ type: AiJobProgressDto }) progress!: AiJobProgressDto;
  @ApiProperty({
    type: 'array',
    items: { oneOf: [{ $ref: getSchemaPath(QueryResponseDto) }, { $ref: getSchemaPath(BatchErrorDto) }] },
    description:
      'Answers so far, in input order: the POST /v1/ai/query response, or that question’s error in the error shape',
  })
  results!: (QueryResponseDto | BatchErrorDto)[];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) finishedAt!: string | null;
}
