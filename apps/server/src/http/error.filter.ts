import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { errorCodes, type FastifyReply, type FastifyRequest } from 'fastify';
import { AppException, ErrorCode } from '@app/common';
import { isDatabaseUnavailable } from '@app/database';
import { statusOf } from './error-status';

interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
  requestId: string;
}

/**
 * Nest turns Fastify's body-parser errors into plain HttpExceptions carrying only the message, so malformed
 * JSON is recognised by Fastify's own message texts.
 */
const MALFORMED_JSON_MESSAGES = new Set([
  new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY().message,
  new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY().message,
]);

function fromHttpException(err: HttpException): [ErrorCode, string, unknown?] {
  const status = err.getStatus();
  const response = err.getResponse();
  const message =
    typeof response === 'object' && response !== null && 'message' in response
      ? response.message
      : err.message;
  const text = Array.isArray(message) ? message.join('; ') : String(message);
  switch (status) {
    case 401:
      return [ErrorCode.UNAUTHORIZED, text];
    case 403:
      return [ErrorCode.FORBIDDEN, text];
    case 404:
      return [ErrorCode.NOT_FOUND, text];
    case 409:
      return [ErrorCode.CONFLICT, text];
    case 413:
      return [ErrorCode.PAYLOAD_TOO_LARGE, text];
    case 415:
      return [ErrorCode.UNSUPPORTED_MEDIA_TYPE, text];
    case 429:
      return [ErrorCode.RATE_LIMITED, text];
    case 503:
      return [ErrorCode.DEPENDENCY_UNAVAILABLE, text];
    case 400:
      return MALFORMED_JSON_MESSAGES.has(text) || text.startsWith('Unexpected token') || text.includes('JSON')
        ? [ErrorCode.MALFORMED_JSON, text]
        : [ErrorCode.VALIDATION_FAILED, text];
    default:
      return status >= 500
        ? [ErrorCode.INTERNAL_ERROR, 'Internal error']
        : [ErrorCode.VALIDATION_FAILED, text];
  }
}

/** SQLSTATEs of a string PostgreSQL cannot store (NUL, an invalid byte sequence): the caller's input, not a bug. */
const UNSTORABLE_TEXT = new Set(['22021', '22P05']);
/**
 * Errors that escaped a module without being mapped but whose meaning is certain from the driver: a dependency
 * that is down (503, retry later) or text PostgreSQL refuses to store (400). Anything else stays a 500.
 */
function fromDriverError(err: unknown): [ErrorCode, string] | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as Error & { code?: unknown }).code;
  const rawDetail = (err as Error & { detail?: unknown }).detail;
  const detail = typeof rawDetail === 'string' ? rawDetail : '';
  // 22P02 is any invalid input syntax; only the JSON-text case (a lone UTF-16 surrogate) is certainly input.
  const badJsonText = code === '22P02' && /surrogate|Unicode/i.test(`${err.message} ${detail}`);
  if (typeof code === 'string' && (UNSTORABLE_TEXT.has(code) || badJsonText))
    return [
      ErrorCode.VALIDATION_FAILED,
      'The input contains characters that cannot be stored (NUL or a lone UTF-16 surrogate)',
    ];
  if (isDatabaseUnavailable(err))
    return [ErrorCode.DEPENDENCY_UNAVAILABLE, 'A dependency is unavailable; retry later'];
  return undefined;
}

/**
 * Every error leaves as `{"error": {"code", "message", "details"?}, "requestId"}`. Module exceptions map by
 * code; anything unexpected becomes a 500 whose request id is in both the body and the log.
 */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const request = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    let code: ErrorCode;
    let message: string;
    let details: unknown;

    if (exception instanceof AppException) {
      const appException = exception as AppException<ErrorCode>;
      ({ code, message } = appException);
      details = appException.details;
    } else if (exception instanceof HttpException) {
      [code, message, details] = fromHttpException(exception);
    } else {
      [code, message] = fromDriverError(exception) ?? [ErrorCode.INTERNAL_ERROR, 'Internal error'];
    }

    const status = statusOf(code);
    if (status >= 500 && code !== ErrorCode.DEPENDENCY_UNAVAILABLE) {
      this.logger.error({ err: exception, requestId: request.id }, 'Unhandled error');
    } else if (!(exception instanceof AppException) && !(exception instanceof HttpException)) {
      // Mapped from a driver error: still worth a warning, a module let it escape unmapped.
      this.logger.warn(
        { err: exception, requestId: request.id },
        `Unmapped driver error answered as ${code}`,
      );
    }
    const body: ErrorBody = {
      error: { code, message, ...(details === undefined ? {} : { details }) },
      requestId: String(request.id),
    };
    if (code === ErrorCode.DEPENDENCY_UNAVAILABLE) void reply.header('retry-after', '5');
    // A refusal raised past the rate-limit hook (a full fair-share queue) says when to retry like the hook's own.
    const retryAfterS = (details as { retryAfterS?: unknown } | undefined)?.retryAfterS;
    if (code === ErrorCode.RATE_LIMITED && typeof retryAfterS === 'number')
      void reply.header('retry-after', String(retryAfterS));
    void reply.status(status).send(body);
  }
}
