import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LoggerModule } from 'nestjs-pino';
import pino, { type Logger as PinoLogger } from 'pino';
import { AppConfig } from '@app/config';
import { admittedCaller } from '@app/tenancy';

/** The process's pino logger, which Nest's logger and the request log both write to. */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

function rootLogger(config: AppConfig): PinoLogger {
  return pino({
    level: config.server.logLevel,
    // People read a terminal; log shippers read JSON lines.
    ...(process.stdout.isTTY ? { transport: { target: 'pino-pretty', options: { singleLine: true } } } : {}),
  });
}

/**
 * Nest's logger (nestjs-pino) over the root logger. Its per-request middleware is not mounted (`forRoutes: []`):
 * it makes two pino child loggers per request and runs the rest of the request in an AsyncLocalStorage, which on
 * Node 20 adds work to every promise the process makes (it halved `/health/live`'s throughput). Lines logged while
 * serving a request therefore carry no request id by themselves; the ones that matter name it (the error filter).
 */
export const LoggingModule = LoggerModule.forRootAsync({
  providers: [{ provide: ROOT_LOGGER, inject: [AppConfig], useFactory: rootLogger }],
  inject: [ROOT_LOGGER],
  useFactory: (logger: PinoLogger) => ({ pinoHttp: { logger }, forRoutes: [] }),
});

/** Probes and scrapes, every few seconds from the orchestrator: not logged. */
const unlogged = (url: string) => url.startsWith('/health') || url === '/metrics';

/**
 * One JSON line per request when its response is sent (or the client went away): request id, method, path,
 * status, milliseconds, route template and tenant id. Headers and bodies are not logged (they carry API keys and
 * customer text). It starts in an onRequest hook added after the rate limits' (bootstrap), so a request they
 * refuse costs no log line: a flood of refusals is counted in the metrics, not written out.
 */
export function registerRequestLog(fastify: FastifyInstance, logger: PinoLogger): void {
  /** When each logged request started (performance.now()). */
  const started = new WeakMap<FastifyRequest, number>();
  const line = (request: FastifyRequest, at: number, statusCode?: number) => ({
    req: { id: request.id, method: request.method, url: request.url.split('?')[0] },
    res: statusCode === undefined ? undefined : { statusCode },
    responseTime: Math.round(performance.now() - at),
    tenantId: admittedCaller(request)?.tenantId,
    route: request.routeOptions.url,
  });
  fastify.addHook('onRequest', (request, _reply, done) => {
    if (!unlogged(request.url)) started.set(request, performance.now());
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const at = started.get(request);
    if (at !== undefined) {
      const entry = line(request, at, reply.statusCode);
      if (reply.statusCode >= 500) logger.error(entry, 'request errored');
      else logger.info(entry, 'request completed');
    }
    done();
  });
  // The client closed the connection before its answer was sent.
  fastify.addHook('onRequestAbort', (request, done) => {
    const at = started.get(request);
    if (at !== undefined) logger.info(line(request, at), 'request aborted');
    done();
  });
}
