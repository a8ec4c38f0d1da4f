import { AppException, ErrorCode } from '@app/common';

export type QueryAgentErrorCode = ErrorCode.SQL_REJECTED | ErrorCode.INTERNAL_ERROR;

/**
 * Failures of the query workflow itself: SQL from a model that validation still refused after the correction
 * rounds (nothing was executed). Planner, guard and provider errors keep their own modules' exceptions.
 */
export class QueryAgentException extends AppException<QueryAgentErrorCode> {}
