import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppConfig } from '@app/config';
import { AppModule } from './app.module';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Creates the Fastify application for the configured role, without listening (tests call this too). */
export async function createApp(config = new AppConfig(process.env)): Promise<NestFastifyApplication> {
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
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forConfig(config), adapter, {
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('preHandler', (request, _reply, done) => {
    (request.raw as IncomingMessage & { route?: string }).route = request.routeOptions.url;
    done();
  });
  fastify.addHook('onSend', (request, reply, payload, done) => {
    void reply.header('x-request-id', request.id);
    done(null, payload);
  });

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Pulse AI')
      .setDescription(
        'Vectorization, natural-language questions and semantic search over engineering-analytics data',
      )
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}

export async function bootstrap(): Promise<void> {
  const config = new AppConfig(process.env);
  const app = await createApp(config);
  await app.listen(config.server.port, config.server.host);
  app
    .get(Logger)
    .log(`Pulse AI (${config.server.role}) listening on http://${config.server.host}:${config.server.port}`);
}
