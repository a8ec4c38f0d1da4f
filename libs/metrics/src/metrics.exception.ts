import { AppException, ErrorCode } from '@app/common';

export type MetricsErrorCode = ErrorCode.UNAUTHORIZED | ErrorCode.DEPENDENCY_UNAVAILABLE;

export class MetricsException extends AppException<MetricsErrorCode> {}
