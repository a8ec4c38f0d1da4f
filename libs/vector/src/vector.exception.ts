import { AppException, ErrorCode } from '@app/common';

export type VectorErrorCode = ErrorCode.VALIDATION_FAILED | ErrorCode.DEPENDENCY_UNAVAILABLE;

/** Bad input to the vector store (400), or the store itself unusable (503). */
export class VectorException extends AppException<VectorErrorCode> {
  static invalid(message: string, details?: unknown): VectorException {
    return new VectorException(ErrorCode.VALIDATION_FAILED, message, details);
  }

  static unavailable(message: string, cause?: unknown): VectorException {
    return new VectorException(ErrorCode.DEPENDENCY_UNAVAILABLE, message, undefined, { cause });
  }
}
