import { AppException, ErrorCode } from '@app/common';

export type ThrottlingErrorCode = ErrorCode.NOT_FOUND | ErrorCode.RATE_LIMITED;

export class ThrottlingException extends AppException<ThrottlingErrorCode> {}
