import type { IncomingMessage } from 'node:http';
import type { Params } from 'nestjs-pino';
import type { AppConfig } from '@app/config';

/**
 * One JSON line per request: request id, tenant id, route template, status and latency. Headers and bodies
 * are not logged (they carry API keys and customer text).
 */
export function loggerOptions(config: AppConfig): Params {
  return {
    pinoHttp: {
      level: config.server.logLevel,
      genReqId: (req: IncomingMessage) => (req as IncomingMessage & { id?: string }).id ?? '',
      autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health') || req.url === '/metrics' },
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url?.split('?')[0],
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      // Set on the raw request by the auth guard and the route hook in bootstrap.
      customProps: (req: IncomingMessage) => {
        const { tenantId, route } = req as IncomingMessage & { tenantId?: string; route?: string };
        return { tenantId, route };
      },
      redact: ['req.headers.authorization'],
      // People read a terminal; log shippers read JSON lines.
      ...(process.stdout.isTTY
        ? { transport: { target: 'pino-pretty', options: { singleLine: true } } }
        : {}),
    },
  };
}
