import {
  startQdrantTestServer,
  type QdrantTestServer,
} from '../../../../libs/vector/src/testing/qdrant-test-server';
import { TestRedisServer } from './redis-server';
import { startServerProcess, type ProcessExit, type ServerProcess } from './server-process';
import { startTestApp, type TestApp } from './test-app';

/**
 * The deployment's split shape for crash and fault tests: the API in this process (PROCESS_ROLE=api), the
 * queue worker as a separate real process (started and stopped by the test), a private Redis the test may
 * stop, and a real Qdrant shared by both.
 */
export class SplitDeployment {
  /** The running worker process, if any. */
  worker?: ServerProcess;

  private constructor(
    readonly redis: TestRedisServer,
    readonly qdrant: QdrantTestServer,
    readonly api: TestApp,
    /** The environment both the API and the worker get on top of the test run's. */
    readonly env: Record<string, string>,
  ) {}

  static async start(env: Record<string, string> = {}): Promise<SplitDeployment> {
    const [redis, qdrant] = await Promise.all([TestRedisServer.start(), startQdrantTestServer()]);
    const shared = { REDIS_URL: redis.url, VECTOR_STORE: 'qdrant', QDRANT_URL: qdrant.url, ...env };
    try {
      const api = await startTestApp({ ...shared, PROCESS_ROLE: 'api' });
      return new SplitDeployment(redis, qdrant, api, shared);
    } catch (err) {
      await Promise.all([redis.stop(), qdrant.close()]);
      throw err;
    }
  }

  async startWorker(): Promise<ServerProcess> {
    this.worker = await startServerProcess({ role: 'worker', env: this.env });
    return this.worker;
  }

  /** Sends the signal to the running worker and resolves with how it ended (undefined if none ran). */
  async stopWorker(signal: NodeJS.Signals): Promise<ProcessExit | undefined> {
    const worker = this.worker;
    this.worker = undefined;
    return worker?.stop(signal);
  }

  async close(): Promise<void> {
    await this.stopWorker('SIGKILL');
    await this.api.close();
    await this.redis.stop();
    await this.qdrant.close();
  }
}
