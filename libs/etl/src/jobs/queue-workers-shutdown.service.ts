import { WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { Worker } from 'bullmq';
import { withTimeout } from '@app/common';

/** How long a worker's blocking connection may take to come back before the worker is closed without waiting. */
const RECONNECT_WAIT_MS = 2_000;

/**
 * Runs before @nestjs/bullmq closes the workers gracefully. A graceful close interrupts the worker's blocking
 * connection and waits for its 'end' event, which ioredis never emits for a client parked between reconnect
 * attempts (after a Redis restart or during an outage; taskforcesh/bullmq#4656): the close, and with it the
 * process's shutdown, would hang. A worker whose blocking connection is not up is closed here with `force`
 * instead; it cannot fetch or finish jobs anyway, and a job it held returns to the queue as stalled and runs again.
 */
@Injectable()
export class QueueWorkersShutdownService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(QueueWorkersShutdownService.name);

  constructor(private readonly discovery: DiscoveryService) {}

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(
      this.workers().map(async (worker) => {
        if (await blockingConnectionUp(worker)) return;
        this.logger.warn(`Queue ${worker.name}: Redis connection down at shutdown; closing without waiting`);
        await worker.close(true);
      }),
    );
  }

  private workers(): Worker[] {
    const workers: Worker[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const host: unknown = wrapper.instance;
      if (!(host instanceof WorkerHost)) continue;
      try {
        workers.push((host as WorkerHost<Worker>).worker);
      } catch {
        // Never started (this process's role runs no workers of that queue): nothing to close.
      }
    }
    return workers;
  }
}

async function blockingConnectionUp(worker: Worker): Promise<boolean> {
  const connection = worker.backend.blockingConnection;
  if (!connection || worker.closing) return true;
  const ready = async () => {
    const client = await connection.client;
    if (client.status !== 'ready')
      await new Promise<void>((resolve) => client.once('ready', () => resolve()));
  };
  try {
    await withTimeout(ready(), RECONNECT_WAIT_MS, `queue ${worker.name}'s blocking connection`);
    return true;
  } catch {
    return false;
  }
}
