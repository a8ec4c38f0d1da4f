import { AppException } from './app.exception';
import { ErrorCode } from './error-code';

/** The `error` part of the documented error shape, for errors that travel in a body (stream events, job results). */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

/** A module exception keeps its code, message and details; anything else is an internal error with no detail. */
export function errorBodyOf(err: unknown): ErrorBody {
  if (err instanceof AppException) {
    const e = err as AppException<ErrorCode>;
    return {
      error: { code: e.code, message: e.message, ...(e.details === undefined ? {} : { details: e.details }) },
    };
  }
  return { error: { code: ErrorCode.INTERNAL_ERROR, message: 'Internal error' } };
}
