import { AppException, ErrorCode } from '@app/common';

export type InsightsErrorCode = ErrorCode.NOT_FOUND | ErrorCode.VALIDATION_FAILED;

export class InsightsException extends AppException<InsightsErrorCode> {}
