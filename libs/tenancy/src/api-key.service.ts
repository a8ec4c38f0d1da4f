import { Injectable, type OnModuleInit } from '@nestjs/common';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { AppConfig } from '@app/config';
import { DatabaseEventsService, DB_CHANNELS } from '@app/database';
import { ErrorCode } from '@app/common';
import { ApiKeyRepository } from './api-key.repository';
import { TenancyException } from './tenancy.exception';

export interface ResolvedKey {
  keyId: string;
  tenantId: string;
  tenantSlug: string;
}

const KEY_PATTERN = /^pulse_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/;
/**
 * Verified keys are remembered briefly so hot routes skip the database. A revocation (by any pod, or by SQL) is
 * announced by the database; while that announcement cannot be received, the cache is not used.
 */
const VERIFIED_TTL_MS = 10_000;
const LAST_USED_WRITE_INTERVAL_MS = 60_000;

/**
 * API keys look like `pulse_<12-char prefix>_<43-char secret>`. Only the prefix is stored in clear (for lookup);
 * the whole key is kept as an HMAC-SHA256 under the server's secret, so a database leak reveals no usable key.
 */
@Injectable()
export class ApiKeyService implements OnModuleInit {
  private readonly verified = new LRUCache<string, ResolvedKey>({ max: 10_000, ttl: VERIFIED_TTL_MS });
  private readonly lastUsedWritten = new Map<string, number>();
  /** Bumped by every revocation notice: a key read before one is not cached (it may be the revoked one). */
  private notices = 0;

  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly config: AppConfig,
    private readonly events: DatabaseEventsService,
  ) {}

  onModuleInit(): void {
    this.events.on(DB_CHANNELS.apiKeys, (prefix) => {
      this.notices++;
      for (const key of this.verified.keys())
        if (KEY_PATTERN.exec(key)?.[1] === prefix) this.verified.delete(key);
    });
    this.events.onResync(() => {
      this.notices++;
      this.verified.clear();
    });
  }

  async create(tenantId: string): Promise<{ id: string; apiKey: string }> {
    const prefix = randomBytes(9).toString('base64url').replace(/[-_]/g, 'x').slice(0, 12);
    const apiKey = `pulse_${prefix}_${randomBytes(32).toString('base64url')}`;
    const id = await this.keys.insert(tenantId, prefix, this.hash(apiKey));
    return { id, apiKey };
  }

  async revoke(keyId: string): Promise<void> {
    if (!(await this.keys.revoke(keyId))) {
      if (!(await this.keys.exists(keyId)))
        throw new TenancyException(ErrorCode.NOT_FOUND, `API key ${keyId} not found`);
    }
    for (const [key, value] of this.verified.entries()) if (value.keyId === keyId) this.verified.delete(key);
  }

  /** The key's tenant if it was verified moments ago (no database, no hashing); undefined otherwise. */
  verifiedKey(apiKey: string): ResolvedKey | undefined {
    return this.events.listening ? this.verified.get(apiKey) : undefined;
  }

  /** Returns the key's tenant, or throws UNAUTHORIZED for a malformed, unknown or revoked key. */
  async resolve(apiKey: string): Promise<ResolvedKey> {
    const cached = this.verifiedKey(apiKey);
    if (cached) return cached;
    const notices = this.notices;
    const match = KEY_PATTERN.exec(apiKey);
    if (!match) throw new TenancyException(ErrorCode.UNAUTHORIZED, 'Invalid API key');
    const row = await this.keys.findByPrefix(match[1]);
    if (!row || row.revokedAt || !this.matches(apiKey, row.hash)) {
      throw new TenancyException(ErrorCode.UNAUTHORIZED, 'Invalid or revoked API key');
    }
    const resolved = { keyId: row.id, tenantId: row.tenantId, tenantSlug: row.tenantSlug };
    if (notices === this.notices) this.verified.set(apiKey, resolved);
    this.touch(row.id);
    return resolved;
  }

  private touch(keyId: string): void {
    const now = Date.now();
    if (now - (this.lastUsedWritten.get(keyId) ?? 0) < LAST_USED_WRITE_INTERVAL_MS) return;
    this.lastUsedWritten.set(keyId, now);
    void this.keys.touch(keyId, new Date(now)).catch(() => undefined);
  }

  private hash(apiKey: string): string {
    return createHmac('sha256', this.config.secretKey).update(apiKey).digest('hex');
  }

  private matches(apiKey: string, storedHash: string): boolean {
    const a = Buffer.from(this.hash(apiKey), 'hex');
    const b = Buffer.from(storedHash, 'hex');
    return a.length === b.length && timingSafeEqual(a, b);
  }
}
