import { isDatabaseUnavailable } from './database-unavailable';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it.each(['08000', '08003', '08006', '08P01', '57P01', '57P02', '57P03', '53300'])(
    'recognises SQLSTATE %s',
    (code) => expect(isDatabaseUnavailable(withCode(code))).toBe(true),
  );

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', 'EHOSTUNREACH'])(
    'recognises socket error %s',
    (code) => expect(isDatabaseUnavailable(withCode(code))).toBe(true),
  );

  it.each([
    'Connection terminated unexpectedly',
    'terminating connection due to administrator command',
    'Connection is closed.',
    'connect ECONNREFUSED 127.0.0.1:5432',
    'Client has encountered a connection error and is not queryable',
    'timeout exceeded when trying to connect',
    'Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest" option for details.',
    "Stream isn't writeable and enableOfflineQueue options is false",
  ])('recognises the driver message "%s"', (message) => {
    expect(isDatabaseUnavailable(new Error(message))).toBe(true);
  });

  it('reads a thrown string as a message', () => {
    expect(isDatabaseUnavailable('Connection terminated')).toBe(true);
  });

  it('leaves query errors, other values and plain errors alone', () => {
    expect(isDatabaseUnavailable(withCode('42P01', 'relation "nope" does not exist'))).toBe(false);
    expect(isDatabaseUnavailable(withCode('57014', 'canceling statement due to statement timeout'))).toBe(
      false,
    );
    expect(isDatabaseUnavailable(withCode('22021'))).toBe(false);
    expect(isDatabaseUnavailable(new Error('boom'))).toBe(false);
    expect(isDatabaseUnavailable('syntax error')).toBe(false);
    expect(isDatabaseUnavailable(null)).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});
