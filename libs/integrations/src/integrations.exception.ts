import { AppException, ErrorCode } from '@app/common';

export type IntegrationsErrorCode = ErrorCode.NOT_FOUND | ErrorCode.VALIDATION_FAILED;

export class IntegrationsException extends AppException<IntegrationsErrorCode> {}
