import { AppException } from './app.exception';
import { ErrorCode } from './error-code';

export type CommonErrorCode =
  | ErrorCode.VALIDATION_FAILED
  | ErrorCode.MALFORMED_JSON
  | ErrorCode.NOT_FOUND
  | ErrorCode.PAYLOAD_TOO_LARGE
  | ErrorCode.UNSUPPORTED_MEDIA_TYPE
  | ErrorCode.DEPENDENCY_UNAVAILABLE
  | ErrorCode.RATE_LIMITED;

/** Errors of the HTTP plumbing itself (body parsing, validation, routing) and shared infrastructure. */
export class CommonException extends AppException<CommonErrorCode> {}
