import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode } from '@app/common';
import { statusOf } from './error-status';

/**
 * Fastify answers a few URL errors itself, before any route or Nest filter runs (an invalid percent-encoding,
 * a path parameter over maxParamLength), with its own body. This gives them the documented error shape; the
 * offending path is not echoed, it may be hundreds of characters of attack text.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const [code, message] =
    error.code === 'FST_ERR_BAD_URL'
      ? [ErrorCode.VALIDATION_FAILED, 'The URL is not a valid URL component (bad percent-encoding)']
      : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? [ErrorCode.VALIDATION_FAILED, 'A path parameter is too long']
        : [ErrorCode.INTERNAL_ERROR, 'Internal error'];
  void reply
    .status(statusOf(code))
    .header('x-request-id', request.id)
    .send({ error: { code, message }, requestId: String(request.id) });
}
