import type { FastifyReply, FastifyRequest } from 'fastify';
import helmet from 'helmet';
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

const HELMET_OPTIONS = {
  contentSecurityPolicy: { useDefaults: false, directives: STRICT_DIRECTIVES },
  referrerPolicy: { policy: 'no-referrer' as const },
  frameguard: { action: 'deny' as const },
};

/** helmet's middleware, built once (@fastify/helmet builds a new one for every request). */
const securityHeaders = helmet(HELMET_OPTIONS);

/**
 * The same headers set directly on a response, for one sent before the security hook has run (a rate-limit
 * refusal from the first request hook). helmet's middleware sets them synchronously.
 */
export function addSecurityHeaders(request: FastifyRequest, reply: FastifyReply): void {
  securityHeaders(request.raw, reply.raw, () => undefined);
}

/**
 * Security headers on every response (helmet): Content-Security-Policy, X-Content-Type-Options nosniff,
 * Referrer-Policy no-referrer, X-Frame-Options DENY and the rest of helmet's defaults. Set on the raw response
 * when the request arrives, so hijacked responses (the event stream) carry them too; the docs page's policy
 * allows its inline styles.
 */
export function registerSecurityHeaders(app: NestFastifyApplication): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => {
      addSecurityHeaders(request, reply);
      const path = request.url.split('?')[0];
      if (path === '/docs' || path.startsWith('/docs/'))
        void reply.header('content-security-policy', SWAGGER_UI_CSP);
      done();
    });
}
