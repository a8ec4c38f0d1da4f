import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsObject, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { ENTITIES, type Entity } from '@app/common';

export class SearchRequestDto {
  @ApiProperty({ example: 'checkout fails with a timeout' })
  @IsString()
  @Length(1, 2000)
  @Matches(/\S/, { message: 'query must not be blank' })
  query!: string;

  @ApiPropertyOptional({ enum: ENTITIES, description: 'Search one entity; all when omitted' })
  @IsOptional()
  @IsIn(ENTITIES)
  entity?: Entity;

  @ApiPropertyOptional({ default: 10, minimum: 1, maximum: 100 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({
    description:
      'Equality on payload fields (status, type, priority, assignee, project, repository, author, state, service, environment); a list means any of',
    example: { status: 'done' },
  })
  @IsOptional()
  @IsObject()
  filter?: Record<string, unknown>;
}

export class SearchHitDto {
  @ApiProperty({ enum: ENTITIES }) entity!: Entity;
  @ApiProperty() externalId!: string;
  @ApiProperty({ description: 'Cosine similarity, higher is closer' }) score!: number;
  @ApiProperty() title!: string;
  @ApiProperty() snippet!: string;
}

export class SearchResponseDto {
  @ApiProperty({ type: [SearchHitDto] }) results!: SearchHitDto[];
}
