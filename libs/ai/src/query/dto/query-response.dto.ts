import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';

export class CacheInfoDto {
  @ApiProperty() hit!: boolean;
  @ApiProperty({ enum: ['exact', 'semantic'], nullable: true, type: String }) kind!:
    'exact' | 'semantic' | null;
  @ApiPropertyOptional({
    enum: ['text', 'plan', 'embedding'],
    nullable: true,
    type: String,
    description: 'How the cached answer was matched: same text, same semantic plan, or a close embedding',
  })
  match?: 'text' | 'plan' | 'embedding' | null;
  @ApiPropertyOptional({
    nullable: true,
    type: Number,
    description: 'Cosine similarity of an embedding match',
  })
  similarity?: number | null;
  @ApiPropertyOptional({
    nullable: true,
    type: Boolean,
    description: 'False when the data changed since and the cached SQL was run again',
  })
  fresh?: boolean | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'The cached question that was reused' })
  question?: string | null;
}

export class RoutingDto {
  @ApiProperty({ enum: ['cached', 'simple', 'complex'] }) route!: string;
  @ApiProperty({ description: 'Why the router chose this route' }) reason!: string;
  @ApiProperty({
    nullable: true,
    type: Number,
    description:
      "The semantic planner's confidence in [0,1]; null when an exact cache hit was served before planning",
  })
  confidence!: number | null;
  @ApiProperty({ description: 'Confidence needed for the zero-cost semantic route' }) threshold!: number;
  @ApiProperty({ nullable: true, type: Boolean }) llmAvailable!: boolean | null;
}

export class AnswerColumnDto {
  @ApiProperty({ description: 'The column, as named in `columns`', example: 'median_cycle_time_hours' })
  name!: string;
  @ApiProperty({
    description: 'Human label from the semantic model (measure, dimension or time bucket)',
    example: 'Median cycle time',
  })
  label!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      "`count` (integers), `ratio` (a fraction in [0,1], shown as a percentage), the measure's unit " +
      '(`hours`, `days`, `minutes`, `points`, `lines`), the grain of a time bucket (`day`, `week`, `month`, ' +
      '`quarter`, `year`), or null',
    example: 'hours',
  })
  unit!: string | null;
  @ApiProperty({ enum: ['dimension', 'measure', 'time'] }) role!: 'dimension' | 'measure' | 'time';
}

export class QueryResponseDto {
  @ApiProperty({ format: 'uuid' }) answerId!: string;
  @ApiProperty() question!: string;
  @ApiProperty({
    description:
      "What was answered, in plain English: the semantic parser's canonical restatement of the question " +
      '("number of work items where type is bug and status is not done or cancelled, created the last 30 days"), ' +
      'or, when a model wrote the SQL, that it did',
  })
  understood!: string;
  @ApiProperty({ description: 'The guarded SQL that produced the rows ($1 is the tenant)' }) sql!: string;
  @ApiProperty({ type: [String] }) columns!: string[];
  @ApiPropertyOptional({
    type: [AnswerColumnDto],
    description:
      'What each column means, in `columns` order, when the semantic layer wrote the SQL (also on cached ' +
      'answers it wrote); absent for SQL a model wrote',
  })
  columnInfo?: AnswerColumnDto[];
  @ApiProperty({ type: 'array', items: { type: 'array', items: {} }, description: 'Rows in `columns` order' })
  rows!: unknown[][];
  @ApiProperty() rowCount!: number;
  @ApiProperty({ description: 'More rows may exist than were returned (row cap)' }) truncated!: boolean;
  @ApiProperty({ enum: ['cached', 'simple', 'complex'] }) route!: 'cached' | 'simple' | 'complex';
  @ApiProperty({ type: CacheInfoDto }) cache!: CacheInfoDto;
  @ApiProperty({ description: '"semantic-layer" or the name of the LLM integration that wrote the SQL' })
  provider!: string;
  @ApiProperty() model!: string;
  @ApiProperty({ description: 'Money spent on this request (0 for cached and semantic answers)' })
  costUsd!: number;
  @ApiProperty({
    format: 'date-time',
    description: 'The rows reflect every write committed before this instant',
  })
  asOf!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    description: 'totalMs and milliseconds per workflow node (llm: time waiting for the model)',
  })
  timings!: Record<string, number>;
  @ApiProperty({ type: RoutingDto }) routing!: RoutingDto;
  @ApiPropertyOptional({
    format: 'uuid',
    description:
      'The conversation this answer belongs to (new when none was sent): send it with the next question to ask ' +
      'a follow-up ("only high priority ones", "and by assignee?"). Absent from batch answers.',
  })
  conversationId?: string;
}

export class BatchErrorDto {
  @ApiProperty({
    type: 'object',
    properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
    required: ['code', 'message'],
  })
  error!: { code: string; message: string; details?: unknown };
}

export class BatchQueryResponseDto {
  @ApiProperty({
    type: 'array',
    items: { oneOf: [{ $ref: getSchemaPath(QueryResponseDto) }, { $ref: getSchemaPath(BatchErrorDto) }] },
    description: 'One entry per question, in input order',
  })
  results!: (QueryResponseDto | BatchErrorDto)[];
}
