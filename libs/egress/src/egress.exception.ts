import { AppException, ErrorCode } from '@app/common';

export type EgressErrorCode = ErrorCode.VALIDATION_FAILED | ErrorCode.DEPENDENCY_UNAVAILABLE;

/** A refused destination (VALIDATION_FAILED) or an outbound call cut short by a limit (DEPENDENCY_UNAVAILABLE). */
export class EgressException extends AppException<EgressErrorCode> {}
