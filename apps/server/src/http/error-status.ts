import { ErrorCode } from '@app/common';

/** The one place an error code becomes an HTTP status; the switch is exhaustive by type. */
export function statusOf(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.VALIDATION_FAILED:
    case ErrorCode.MALFORMED_JSON:
      return 400;
    case ErrorCode.UNAUTHORIZED:
      return 401;
    case ErrorCode.FORBIDDEN:
      return 403;
    case ErrorCode.NOT_FOUND:
      return 404;
    case ErrorCode.CONFLICT:
      return 409;
    case ErrorCode.PAYLOAD_TOO_LARGE:
      return 413;
    case ErrorCode.UNSUPPORTED_MEDIA_TYPE:
      return 415;
    case ErrorCode.CANNOT_ANSWER:
    case ErrorCode.SQL_REJECTED:
      return 422;
    case ErrorCode.BUDGET_EXCEEDED:
    case ErrorCode.RATE_LIMITED:
      return 429;
    case ErrorCode.DEPENDENCY_UNAVAILABLE:
      return 503;
    case ErrorCode.INTERNAL_ERROR:
      return 500;
  }
}
