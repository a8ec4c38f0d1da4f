import { AppException, ErrorCode } from '@app/common';

export type LlmErrorCode = ErrorCode.DEPENDENCY_UNAVAILABLE | ErrorCode.BUDGET_EXCEEDED;

/** LLM provider failures (after retries and fallbacks) and budget refusals. */
export class LlmException extends AppException<LlmErrorCode> {}
