import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * Where `npm run build` puts the console (dist/console): found from the source tree (swc-node, tests) and from
 * the compiled server (dist/apps/server/src).
 */
function consoleDir(): string | null {
  const candidates = [
    path.resolve(__dirname, '../../../../dist/console'),
    path.resolve(__dirname, '../../../../console'),
  ];
  return candidates.find((dir) => existsSync(path.join(dir, 'index.html'))) ?? null;
}

/** Serves the console's built files at /console/ (same origin as the API: its CSP allows nothing else). */
export async function registerConsole(app: NestFastifyApplication): Promise<string | null> {
  const root = consoleDir();
  if (!root) return null;
  const fastify = app.getHttpAdapter().getInstance();
  await app.register(fastifyStatic, {
    root,
    prefix: '/console/',
    // Swagger UI registered the reply decorators already.
    decorateReply: false,
    index: ['index.html'],
    redirect: true,
    maxAge: '1h',
  });
  fastify.get('/console', (_request, reply) => reply.redirect('/console/'));
  return root;
}
