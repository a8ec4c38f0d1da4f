import { AppException, ErrorCode } from '@app/common';

export type EtlErrorCode =
  ErrorCode.VALIDATION_FAILED | ErrorCode.NOT_FOUND | ErrorCode.DEPENDENCY_UNAVAILABLE;

export class EtlException extends AppException<EtlErrorCode> {}
