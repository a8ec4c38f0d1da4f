import { AppException, ErrorCode } from '@app/common';

export type SemanticErrorCode = ErrorCode.CANNOT_ANSWER | ErrorCode.INTERNAL_ERROR;

/**
 * Errors of the semantic layer: a question it cannot answer (422, with what it understood in `details`) and an
 * invalid semantic model file (fails the boot).
 */
export class SemanticException extends AppException<SemanticErrorCode> {}
