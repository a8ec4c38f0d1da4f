/**
 * Every error code the API can return. Module exceptions use a subset each; the HTTP filter maps the whole
 * enum to statuses in one exhaustive switch, so adding a code without a status fails to compile.
 */
export enum ErrorCode {
  VALIDATION_FAILED = 'VALIDATION_FAILED',
  MALFORMED_JSON = 'MALFORMED_JSON',
  UNAUTHORIZED = 'UNAUTHORIZED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  CANNOT_ANSWER = 'CANNOT_ANSWER',
  SQL_REJECTED = 'SQL_REJECTED',
  BUDGET_EXCEEDED = 'BUDGET_EXCEEDED',
  RATE_LIMITED = 'RATE_LIMITED',
  DEPENDENCY_UNAVAILABLE = 'DEPENDENCY_UNAVAILABLE',
  INTERNAL_ERROR = 'INTERNAL_ERROR',
}
