import type { ErrorCode } from './error-code';

/**
 * Base of every module exception. Services and jobs throw these (never HTTP exceptions); the HTTP layer
 * turns them into the documented error shape.
 */
export abstract class AppException<C extends ErrorCode = ErrorCode> extends Error {
  constructor(
    readonly code: C,
    message: string,
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
