import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import type { Logger as PinoLogger } from 'pino';
import { AppConfig } from '@app/config';
import { AppModule } from './app.module';
import { frameworkErrors } from './http/framework-errors';
import { ErrorResponseDto } from '@app/common';
import { registerConsole } from './http/console';
import { withErrorResponses } from './http/openapi-errors';
import { registerRequestLog, ROOT_LOGGER } from './http/logging';
import { RateLimitHook } from '@app/throttling';
import { addSecurityHeaders, registerSecurityHeaders } from './http/security-headers';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Creates the Fastify application for the configured role, without listening (tests call this too).
 * `shutdownHooks: false` leaves signal handling to the caller (bootstrap drains HTTP first, see below).
 */
export async function createApp(
  config = new AppConfig(process.env),
  { shutdownHooks = true }: { shutdownHooks?: boolean } = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.server.bodyLimit,
    // A caller's x-request-id is kept when sane, so logs correlate across services.
    genReqId: (req: IncomingMessage) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      (req as IncomingMessage & { id?: string }).id = id;
      return id;
    },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    frameworkErrors,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forConfig(config), adapter, {
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  registerSecurityHeaders(app);
  // Rate limits run in the first request hook, before the request log starts: a refusal costs no log line.
  if (config.server.runsHttp) app.get(RateLimitHook).install(adapter, addSecurityHeaders);
  registerRequestLog(app.getHttpAdapter().getInstance(), app.get<PinoLogger>(ROOT_LOGGER));
  if (config.server.runsHttp && !(await registerConsole(app))) {
    app.get(Logger).warn('Console not built (npm run build): /console is not served');
  }
  if (shutdownHooks) app.enableShutdownHooks();
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onSend', (request, reply, payload, done) => {
    void reply.header('x-request-id', request.id);
    done(null, payload);
  });

  const document = withErrorResponses(
    SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Pulse AI')
        .setDescription(
          'Vectorization, natural-language questions and semantic search over engineering-analytics data',
        )
        .setVersion('1')
        .addBearerAuth()
        .build(),
      { extraModels: [ErrorResponseDto] },
    ),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}

export async function bootstrap(): Promise<void> {
  const config = new AppConfig(process.env);
  const app = await createApp(config, { shutdownHooks: false });
  await app.listen(config.server.port, config.server.host);
  const logger = app.get(Logger);
  logger.log(
    `Pulse AI (${config.server.role}) listening on http://${config.server.host}:${config.server.port}`,
  );
  drainOnSignals(app, config.server.shutdownGraceMs, logger);
}

/**
 * SIGTERM/SIGINT: stop accepting connections and let in-flight requests finish, then close the modules
 * (queue workers finish or return their jobs, pools close), then exit 0. The HTTP listener is closed first on
 * purpose: Nest's own close() runs the modules' destroy hooks before it stops the listener, so requests still
 * in flight would find the database pool already ended. Past SHUTDOWN_GRACE_MS the process exits anyway (1),
 * before the orchestrator's SIGKILL, with a log line saying why.
 */
/** Longest the drain waits for already-arrived connections to be read before closing the listener. */
const SETTLE_MAX_MS = 2_000;
const SETTLE_TICK_MS = 100;

/**
 * Waits until the listener has been quiet (no new connection, no new request) for two ticks, at most `maxMs`.
 * Each tick is a timer followed by two event-loop turns (the poll phase runs between a timer and the check
 * phase), so connections the kernel already accepted and request bytes already sent are read even when
 * handlers keep the loop busy; only then is it safe to close the listener without resetting them.
 */
async function settle(server: Server, maxMs: number): Promise<void> {
  let seen = 0;
  const bump = () => seen++;
  server.on('connection', bump);
  server.on('request', bump);
  const deadline = Date.now() + maxMs;
  let quietTicks = 0;
  try {
    while (quietTicks < 2 && Date.now() < deadline) {
      const before = seen;
      await new Promise<void>((resolve) => setTimeout(resolve, SETTLE_TICK_MS));
      for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => setImmediate(resolve));
      quietTicks = seen === before ? quietTicks + 1 : 0;
    }
  } finally {
    server.off('connection', bump);
    server.off('request', bump);
  }
}

function drainOnSignals(app: NestFastifyApplication, graceMs: number, logger: Logger): void {
  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    const started = Date.now();
    logger.log(`${signal} received: draining (grace period ${graceMs} ms)`);
    setTimeout(() => {
      logger.error(`Shutdown did not finish within ${graceMs} ms; exiting`);
      process.exit(1);
    }, graceMs).unref();
    // Closing the listener resets connections the kernel accepted but a busy event loop has not read yet, and
    // closes "idle" connections whose request bytes are still unparsed: settling first lets those requests
    // start, so every request sent before the signal is answered.
    settle(app.getHttpServer(), Math.min(SETTLE_MAX_MS, graceMs / 4))
      .then(() => app.getHttpAdapter().getInstance().close())
      .then(() => app.close())
      .then(
        () => {
          logger.log(`Shut down cleanly in ${Date.now() - started} ms`);
          process.exit(0);
        },
        (err: unknown) => {
          logger.error(`Shutdown failed: ${String(err)}`);
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
