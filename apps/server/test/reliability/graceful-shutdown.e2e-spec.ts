import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { workItem } from '../support/records';
import { startServerProcess, type ServerProcess } from '../support/server-process';
import { printSummary, StatusTally } from './reliability-support';

const GRACE_MS = 10_000;
const CHILD_LOG = process.env.RELIABILITY_CHILD_LOG;

interface Sent {
  /** The whole request was written to the socket before SIGTERM. */
  sentBeforeSignal: boolean;
  status?: number;
  error?: string;
}

/** One request on its own connection (no keep-alive), so a reset shows up as this request's error. */
function send(
  port: number,
  method: string,
  url: string,
  token: string | undefined,
  body: unknown,
  signalled: () => boolean,
): Promise<Sent> {
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const out: Sent = { sentBeforeSignal: false };
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path: url,
        agent: false,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(payload
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {}),
        },
        timeout: 30_000,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ ...out, status: res.statusCode }));
        res.on('error', (err) => resolve({ ...out, status: res.statusCode, error: String(err) }));
      },
    );
    req.on('error', (err) => {
      if (process.env.RELIABILITY_CHILD_LOG)
        console.log(`client error at ${Date.now()} ${url}: ${String(err)}`);
      resolve({ ...out, error: (err as NodeJS.ErrnoException).code ?? String(err) });
    });
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.end(payload, () => {
      out.sentBeforeSignal = !signalled();
    });
  });
}

describe('Graceful shutdown of a real server process (SIGTERM during a burst)', () => {
  let server: ServerProcess | undefined;
  let dataDir: string;
  const tally = new StatusTally();

  afterAll(async () => {
    await server?.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    printSummary([
      {
        spec: 'graceful-shutdown',
        requests: tally.total,
        statuses: tally.toString(),
        faults: '1 SIGTERM',
        fiveHundreds: tally.fiveHundreds,
      },
    ]);
  });

  it('finishes every request accepted before SIGTERM and exits 0 within SHUTDOWN_GRACE_MS', async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'pulse-shutdown-'));
    // RELIABILITY_CHILD_LOG=<file> keeps the server's log, for finding what a slow shutdown waited on.
    if (CHILD_LOG) writeFileSync(CHILD_LOG, '');
    server = await startServerProcess({
      role: 'all',
      env: {
        DATA_DIR: dataDir,
        SHUTDOWN_GRACE_MS: String(GRACE_MS),
        RECONCILE_INTERVAL_S: '0',
        LOG_LEVEL: CHILD_LOG ? 'info' : 'warn',
      },
      onLine: CHILD_LOG ? (line) => appendFileSync(CHILD_LOG, line + '\n') : undefined,
    });
    const port = server.port;
    let signalledAt = 0;
    const signalled = () => signalledAt > 0;
    const created = await new Promise<{ apiKey: string }>((resolve, reject) => {
      const body = JSON.stringify({ slug: `shutdown-${Date.now()}`, name: 'shutdown' });
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/v1/admin/tenants',
          agent: false,
          headers: { authorization: `Bearer ${process.env.ADMIN_TOKEN}`, 'content-type': 'application/json' },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => (res.statusCode === 201 ? resolve(JSON.parse(text)) : reject(new Error(text))));
        },
      );
      req.on('error', reject);
      req.end(body);
    });

    // A burst of slow-ish requests (100-record ingests) and quick ones, all on their own connections.
    const burst: Promise<Sent>[] = [];
    for (let i = 0; i < 24; i++) {
      burst.push(
        i % 3 === 0
          ? send(
              port,
              'POST',
              '/v1/ai/search',
              created.apiKey,
              { query: 'payment retries', limit: 5 },
              signalled,
            )
          : send(
              port,
              'POST',
              '/v1/etl/work_items/records',
              created.apiKey,
              { records: Array.from({ length: 100 }, (_, j) => workItem({ externalId: `S-${i}-${j}` })) },
              signalled,
            ),
      );
    }
    await new Promise((r) => setTimeout(r, 150));
    signalledAt = Date.now();
    if (CHILD_LOG) console.log(`signal at ${signalledAt}`);
    const exited = server.stop('SIGTERM').then((exit) => ({ ...exit, at: Date.now() }));
    const late = await send(port, 'GET', '/v1/etl/status', created.apiKey, undefined, signalled);

    const results = await Promise.all(burst);
    const exit = await exited;
    for (const r of results) tally.add(r.status ?? 0);
    const early = results.filter((r) => r.sentBeforeSignal);
    const inFlight = early.length;
    console.log(
      `[reliability] shutdown: ${results.length} requests, ${inFlight} fully sent before SIGTERM; statuses ${tally.toString()}; late request → ${late.status ?? late.error}; exit code ${exit.code} (${exit.signal ?? 'no signal'}) after ${exit.at - signalledAt} ms`,
    );

    expect(inFlight).toBeGreaterThan(0);
    // Every request the server had before the signal gets its real answer: no reset, no 503, no 500.
    expect(early.map((r) => r.error ?? r.status)).toEqual(early.map(() => expect.any(Number)));
    for (const r of early) expect([200, 202]).toContain(r.status);
    // A request after the signal is served (still within the settle window), refused with 503, or its
    // connection is refused: never a hang or a 500.
    expect([200, 503, 'ECONNREFUSED']).toContain(late.status ?? late.error);
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    expect(exit.at - signalledAt).toBeLessThan(GRACE_MS);
  });
});
