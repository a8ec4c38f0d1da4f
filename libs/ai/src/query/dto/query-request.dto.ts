import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  ValidateNested,
} from 'class-validator';

export const QUESTION_MAX_CHARS = 2000;
export const BATCH_MAX_QUESTIONS = 50;

export class QueryOptionsDto {
  @ApiPropertyOptional({
    default: false,
    description: 'Bypass the answer caches (the answer is not cached either)',
  })
  @IsOptional()
  @IsBoolean()
  noCache?: boolean;
}

export class QueryRequestDto {
  @ApiProperty({
    example: 'How many bugs were resolved last week?',
    minLength: 1,
    maxLength: QUESTION_MAX_CHARS,
  })
  @IsString()
  @Length(1, QUESTION_MAX_CHARS)
  @Matches(/\S/, { message: 'question must not be blank' })
  question!: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description:
      'The `conversationId` of an earlier answer: the question may then be a follow-up that changes that answer ' +
      '(404 NOT_FOUND when unknown to the tenant or expired)',
  })
  @IsOptional()
  @IsUUID()
  conversationId?: string;

  @ApiPropertyOptional({ type: QueryOptionsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => QueryOptionsDto)
  options?: QueryOptionsDto;
}

/** A list of 1..max questions, each as `/v1/ai/query` accepts one (the batch and job bodies). */
export function QuestionList(max: number): PropertyDecorator {
  return applyDecorators(
    ApiProperty({
      type: [String],
      minItems: 1,
      maxItems: max,
      example: ['Open incidents by priority', 'Change failure rate last 30 days'],
    }),
    IsArray(),
    ArrayMinSize(1),
    ArrayMaxSize(max),
    IsString({ each: true }),
    Length(1, QUESTION_MAX_CHARS, { each: true }),
    Matches(/\S/, { each: true, message: 'each question must not be blank' }),
  );
}

export class BatchQueryRequestDto {
  @QuestionList(BATCH_MAX_QUESTIONS)
  questions!: string[];

  @ApiPropertyOptional({ type: QueryOptionsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => QueryOptionsDto)
  options?: QueryOptionsDto;
}
