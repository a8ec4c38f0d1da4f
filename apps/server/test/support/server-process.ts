import { spawn, type ChildProcess } from 'node:child_process';
import { get as httpGet } from 'node:http';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { eventually } from './eventually';
import { freePort } from './redis-server';

const ROOT = path.resolve(__dirname, '../../../..');

export interface ServerProcessOptions {
  /** Extra environment on top of the test run's (database, admin token, Redis prefix...). */
  env?: Record<string, string>;
  role?: 'all' | 'api' | 'worker';
  /** Called with every line the server writes to stdout (its JSON log). */
  onLine?: (line: string) => void;
  startTimeoutMs?: number;
}

/** How a process ended: its exit code, or the signal that killed it. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly url: string;
  /** The last few KB of the server's output, for failure messages. */
  output(): string;
  /** Sends the signal and resolves with how the process ended. */
  stop(signal?: NodeJS.Signals): Promise<ProcessExit>;
}

/**
 * The real server entry point (apps/server/src/main.ts) as a child process on a free loopback port, for tests
 * that need what only a process has: being killed, signals, its own stdout. Resolves once /health/live
 * answers 200.
 */
export async function startServerProcess(options: ServerProcessOptions = {}): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/server/src/main.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      ...options.env,
      PROCESS_ROLE: options.role ?? 'all',
      PORT: String(port),
      HOST: '127.0.0.1',
    },
  });
  let tail = '';
  const keep = (text: string) => (tail = (tail + text + '\n').slice(-8000));
  createInterface({ input: child.stdout }).on('line', (line) => {
    keep(line);
    options.onLine?.(line);
  });
  createInterface({ input: child.stderr }).on('line', keep);
  const exited = new Promise<ProcessExit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );

  const server: ServerProcess = {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => tail,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  try {
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${tail}`);
        return isLive(port);
      },
      { timeoutMs: options.startTimeoutMs ?? 90_000, intervalMs: 250, what: 'server process start-up' },
    );
  } catch (err) {
    await server.stop('SIGKILL');
    throw err;
  }
  return server;
}

function isLive(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpGet(
      { host: '127.0.0.1', port, path: '/health/live', agent: false, timeout: 1_000 },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}
