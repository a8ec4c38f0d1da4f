import { AppException, ErrorCode } from '@app/common';

export type TenancyErrorCode =
  | ErrorCode.UNAUTHORIZED
  | ErrorCode.FORBIDDEN
  | ErrorCode.NOT_FOUND
  | ErrorCode.CONFLICT
  | ErrorCode.VALIDATION_FAILED;

export class TenancyException extends AppException<TenancyErrorCode> {}
