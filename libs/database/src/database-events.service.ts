import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Client } from 'pg';
import { AppConfig } from '@app/config';

/** Channels the database's own triggers notify on (prisma/migrations/20261207050000_change_capture). */
export const DB_CHANNELS = {
  /** Payload `<tenantId>:<table>:<version>`: a business table's rows changed for that tenant. */
  dataChanged: 'pulse_data_changed',
  /** Payload `<table>`: the change outbox has new rows. */
  outbox: 'pulse_outbox',
  /** Payload: the key's prefix, revoked or deleted. */
  apiKeys: 'pulse_api_keys',
} as const;
export type DbChannel = (typeof DB_CHANNELS)[keyof typeof DB_CHANNELS];

type Handler = (payload: string) => void;

const RECONNECT_MS = 500;

/**
 * One LISTEN connection per process, opened by the first subscription. PostgreSQL sends a notification when
 * the writing transaction commits, whoever the writer was. While the connection is down notifications are
 * lost, so `listening` is false and subscribers must not trust their caches; after every (re)connect the
 * resync handlers run to drop whatever may have been missed.
 */
@Injectable()
export class DatabaseEventsService implements OnModuleDestroy {
  private readonly logger = new Logger(DatabaseEventsService.name);
  private readonly handlers = new Map<DbChannel, Set<Handler>>();
  private readonly resyncHandlers = new Set<() => void>();
  private client?: Client;
  private connecting = false;
  private closed = false;
  private retry?: NodeJS.Timeout;
  private connected = false;

  constructor(private readonly config: AppConfig) {}

  /** True while notifications are being received. */
  get listening(): boolean {
    return this.connected;
  }

  on(channel: DbChannel, handler: Handler): void {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      if (this.connected) void this.client?.query(`LISTEN ${channel}`).catch(() => this.lost(this.client));
    }
    set.add(handler);
    this.start();
  }

  /** Runs after every (re)connect: notifications sent while disconnected are gone. */
  onResync(handler: () => void): void {
    this.resyncHandlers.add(handler);
    this.start();
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    this.connected = false;
    await client?.end().catch(() => undefined);
  }

  private start(): void {
    if (this.client || this.connecting || this.retry || this.closed) return;
    void this.connect();
  }

  private async connect(): Promise<void> {
    this.connecting = true;
    const client = new Client({ connectionString: this.config.database.url, keepAlive: true });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    client.on('notification', (msg) => {
      for (const handler of this.handlers.get(msg.channel as DbChannel) ?? []) handler(msg.payload ?? '');
    });
    try {
      await client.connect();
      for (const channel of this.handlers.keys()) await client.query(`LISTEN ${channel}`);
      if (this.closed) {
        await client.end();
        return;
      }
      this.client = client;
      this.connected = true;
      for (const handler of this.resyncHandlers) handler();
    } catch (err) {
      this.logger.warn(`Listening for database changes failed, retrying: ${String(err)}`);
      await client.end().catch(() => undefined);
      this.schedule();
    } finally {
      this.connecting = false;
    }
  }

  private lost(client: Client | undefined): void {
    if (!client || this.client !== client) return;
    this.client = undefined;
    this.connected = false;
    void client.end().catch(() => undefined);
    if (!this.closed) this.logger.warn('Database change listener disconnected; reconnecting');
    this.schedule();
  }

  private schedule(): void {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.start();
    }, RECONNECT_MS);
    this.retry.unref();
  }
}
