import { ApiProperty } from '@nestjs/swagger';

export class EmbedResponseDto {
  @ApiProperty({ description: 'Id of the model that made the vectors', example: 'use-lite-512-v2' })
  model!: string;

  @ApiProperty({ example: 512 })
  dimensions!: number;

  @ApiProperty({
    description: 'One unit-length vector per text, in request order',
    type: 'array',
    items: { type: 'array', items: { type: 'number' } },
  })
  embeddings!: number[][];
}
