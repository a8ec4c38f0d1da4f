import { Injectable, OnModuleDestroy } from '@nestjs/common';
import Redis, { type RedisOptions } from 'ioredis';
import { AppConfig } from '@app/config';

/**
 * The shared Redis connection (caches, counters) plus a factory for dedicated connections (BullMQ needs its own).
 * Commands fail fast while Redis is down instead of queueing forever, so callers can answer 503.
 */
@Injectable()
export class RedisService implements OnModuleDestroy {
  readonly client: Redis;
  readonly prefix: string;

  constructor(private readonly config: AppConfig) {
    this.prefix = config.redis.prefix;
    this.client = this.create({ maxRetriesPerRequest: 1, enableOfflineQueue: false });
  }

  /**
   * Options (not a client) for BullMQ: no per-request retry limit, offline queue on. Given options, BullMQ owns
   * and closes its connections; a client passed in would stay open after shutdown.
   */
  queueConnection(): {
    url: string;
    maxRetriesPerRequest: null;
    connectTimeout: number;
    retryStrategy: (times: number) => number;
  } {
    return {
      url: this.config.redis.url,
      maxRetriesPerRequest: null,
      connectTimeout: 2000,
      retryStrategy: (times) => Math.min(times * 200, 2000),
    };
  }

  create(overrides: RedisOptions = {}): Redis {
    const client = new Redis(this.config.redis.url, { ...this.baseOptions(), ...overrides });
    client.on('error', () => undefined);
    return client;
  }

  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  private baseOptions(): RedisOptions {
    const { connectTimeout, retryStrategy } = this.queueConnection();
    return { lazyConnect: false, connectTimeout, retryStrategy };
  }

  async onModuleDestroy(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
