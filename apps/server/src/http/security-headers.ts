import helmet from '@fastify/helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * The console's policy, and every API response's: scripts, styles, images and requests only from this origin,
 * no inline script, never framed. Data values are rendered as text, so nothing needs more.
 */
const STRICT_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  // Local and in-cluster deployments speak plain HTTP; TLS is the ingress's business.
  upgradeInsecureRequests: null,
};

/** Swagger UI's page carries inline <style> blocks; its scripts are same-origin files. */
const SWAGGER_UI_CSP = Object.entries({ ...STRICT_DIRECTIVES, styleSrc: ["'self'", "'unsafe-inline'"] })
  .filter(([, v]) => v !== null)
  .map(([k, v]) => `${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${(v as string[]).join(' ')}`)
  .join(';');

/**
 * Security headers on every response (@fastify/helmet): Content-Security-Policy, X-Content-Type-Options nosniff,
 * Referrer-Policy no-referrer, X-Frame-Options DENY and the rest of helmet's defaults. Registered before the
 * routes, so hijacked responses (the event stream) get them too.
 */
export async function registerSecurityHeaders(app: NestFastifyApplication): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: STRICT_DIRECTIVES },
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
  });
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => {
      const path = request.url.split('?')[0];
      if (path === '/docs' || path.startsWith('/docs/'))
        void reply.header('content-security-policy', SWAGGER_UI_CSP);
      done();
    });
}
