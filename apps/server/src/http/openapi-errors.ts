import type { OpenAPIObject } from '@nestjs/swagger';
import { getSchemaPath } from '@nestjs/swagger';
import { ErrorResponseDto } from '@app/common';

type Responses = Record<string, { description?: string; content?: Record<string, unknown> }>;
interface Operation {
  parameters?: { in: string }[];
  requestBody?: unknown;
  responses: Responses;
  security?: Record<string, string[]>[];
}

const ERROR_CONTENT = { 'application/json': { schema: { $ref: getSchemaPath(ErrorResponseDto) } } };

/** What every route of a kind can answer besides its own documented errors. */
function implied(path: string, op: Operation): Record<string, string> {
  const out: Record<string, string> = { '500': 'INTERNAL_ERROR (the request id is in the body and the log)' };
  if (!path.startsWith('/v1/')) return out;
  out['401'] = 'UNAUTHORIZED: missing or invalid bearer credential';
  if (path.startsWith('/v1/admin/')) out['403'] = 'FORBIDDEN: a tenant key on an admin route';
  if (op.requestBody) {
    out['400'] = 'VALIDATION_FAILED or MALFORMED_JSON';
    out['413'] = 'PAYLOAD_TOO_LARGE: body over BODY_LIMIT_BYTES';
    out['415'] = 'UNSUPPORTED_MEDIA_TYPE: the body is not JSON';
  } else if (op.parameters?.some((p) => p.in === 'path' || p.in === 'query')) {
    out['400'] = 'VALIDATION_FAILED: a path or query parameter is invalid';
  }
  if (op.parameters?.some((p) => p.in === 'path')) out['404'] = 'NOT_FOUND';
  out['503'] = 'DEPENDENCY_UNAVAILABLE: PostgreSQL, Redis or another dependency is down; retry later';
  return out;
}

/**
 * Completes the generated document's error side in one place: every 4xx/5xx response has the error shape's
 * schema, every route lists the errors its kind can return (auth, validation, body limits, dependencies), and
 * tenant/admin routes declare the bearer scheme. Route-specific errors (404, 409, 422, 429) stay on the routes.
 */
export function withErrorResponses(document: OpenAPIObject): OpenAPIObject {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const op of Object.values(item as Record<string, Operation>)) {
      if (!op || typeof op !== 'object' || !('responses' in op)) continue;
      for (const [status, description] of Object.entries(implied(path, op))) {
        op.responses[status] ??= { description };
      }
      for (const [status, response] of Object.entries(op.responses)) {
        if (
          /^[45]\d\d$/.test(status) &&
          !response.content &&
          !(path === '/health/ready' && status === '503')
        ) {
          response.content = ERROR_CONTENT;
        }
      }
      if (path.startsWith('/v1/')) op.security ??= [{ bearer: [] }];
    }
  }
  return document;
}
