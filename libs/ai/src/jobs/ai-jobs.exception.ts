import { AppException, ErrorCode } from '@app/common';

export type AiJobsErrorCode = ErrorCode.NOT_FOUND | ErrorCode.DEPENDENCY_UNAVAILABLE;

/** A job that is not the caller's (or no longer kept), or a queue that cannot be reached. */
export class AiJobsException extends AppException<AiJobsErrorCode> {}
