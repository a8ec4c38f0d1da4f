import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ErrorCode } from '../error-code';

export class ErrorDetailDto {
  @ApiProperty({ enum: ErrorCode, enumName: 'ErrorCode' }) code!: ErrorCode;
  @ApiProperty({ description: 'Human-readable' }) message!: string;
  @ApiPropertyOptional({
    description: 'Code-specific detail, e.g. what a refused question was understood as',
  })
  details?: unknown;
}

/** The documented error shape of every 4xx/5xx response. */
export class ErrorResponseDto {
  @ApiProperty({ type: ErrorDetailDto }) error!: ErrorDetailDto;
  @ApiProperty({ description: 'Also in the x-request-id header and the server log' }) requestId!: string;
}
