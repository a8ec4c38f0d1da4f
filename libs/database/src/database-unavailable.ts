/** Connection exceptions (class 08), a terminated backend or a server not accepting connections yet. */
const PG_UNAVAILABLE = /^(08...|57P0[1-3]|53300)$/;
/** Socket-level failures. */
const NODE_UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EPIPE',
  'EHOSTUNREACH',
]);
/** The pg driver/pool's and ioredis's messages for a lost or refused connection (they carry no code). */
const UNAVAILABLE_MESSAGE =
  /Connection terminated|terminating connection|Connection is closed|connect ECONNREFUSED|Client has encountered a connection error|timeout exceeded when trying to connect|MaxRetriesPerRequest|Stream isn't writeable/i;

/**
 * True when an error means "the database (or Redis) cannot be reached right now, retry later", not "the query
 * is wrong". The one list for every caller that answers 503 from a driver error.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error === 'string') return UNAVAILABLE_MESSAGE.test(error);
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (PG_UNAVAILABLE.test(code) || NODE_UNAVAILABLE.has(code))) return true;
  return typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message);
}
