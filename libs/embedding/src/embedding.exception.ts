import { AppException, ErrorCode } from '@app/common';

export type EmbeddingErrorCode =
  ErrorCode.VALIDATION_FAILED | ErrorCode.DEPENDENCY_UNAVAILABLE | ErrorCode.INTERNAL_ERROR;

/** Every failure of the embedding module: a model that cannot load, a gateway that stays down, bad input. */
export class EmbeddingException extends AppException<EmbeddingErrorCode> {}
