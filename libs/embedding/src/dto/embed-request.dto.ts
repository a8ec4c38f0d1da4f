import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsString, Matches, MaxLength } from 'class-validator';

export const EMBED_MAX_TEXTS = 256;
/** Far above any model's window (texts are cut to it); bounds the work one request can ask for. */
export const EMBED_MAX_TEXT_CHARS = 100_000;

export class EmbedRequestDto {
  @ApiProperty({
    type: [String],
    minItems: 1,
    maxItems: EMBED_MAX_TEXTS,
    description: `1..${EMBED_MAX_TEXTS} non-blank texts of at most ${EMBED_MAX_TEXT_CHARS} characters; longer than the model's window are truncated.`,
    example: [
      'Checkout latency regression after the 2.14 deploy',
      'Flaky integration test in the payments service',
    ],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(EMBED_MAX_TEXTS)
  @IsString({ each: true })
  @Matches(/\S/, { each: true, message: 'each value in texts must not be blank' })
  @MaxLength(EMBED_MAX_TEXT_CHARS, { each: true })
  texts!: string[];
}
