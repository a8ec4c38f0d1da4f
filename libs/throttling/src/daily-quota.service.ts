import { Inject, Injectable } from '@nestjs/common';
import { RedisService } from '@app/database';
import type { QuotaFigure } from '@app/metrics';
import { QUOTA_KINDS, TenantLimitsService, type QuotaKind } from './tenant-limits.service';

/** Where "today" comes from; tests inject another clock to roll a day over without waiting for one. */
export const QUOTA_CLOCK = Symbol('QUOTA_CLOCK');
export interface QuotaClock {
  now(): Date;
}
export const systemClock: QuotaClock = { now: () => new Date() };

const DAY_MS = 86_400_000;

export interface QuotaDecision extends QuotaFigure {
  allowed: boolean;
  kind: QuotaKind;
}

/**
 * Optional per-tenant daily quotas (questions asked, texts embedded), counted per UTC day in Redis so every
 * pod shares them. A request that would exceed the quota is refused whole and not counted.
 */
@Injectable()
export class DailyQuotaService {
  /** The UTC day of the last request: its start, its name in Redis keys and when it ends. */
  private day = { start: Number.NaN, name: '', resetsAt: '' };

  constructor(
    private readonly redis: RedisService,
    private readonly limits: TenantLimitsService,
    @Inject(QUOTA_CLOCK) private readonly clock: QuotaClock,
  ) {}

  async consume(tenantId: string, kind: QuotaKind, amount: number): Promise<QuotaDecision> {
    const limit = (await this.limits.quotasFor(tenantId))[kind];
    if (limit <= 0) {
      return {
        allowed: true,
        kind,
        limit: null,
        used: 0,
        remaining: null,
        resetsAt: this.currentDay().resetsAt,
      };
    }
    const { key, resetsAt } = this.today(tenantId, kind);
    const [[, used]] = (await this.redis.client
      .multi()
      .incrby(key, amount)
      .pexpire(key, 2 * DAY_MS)
      .exec()) as [[Error | null, number], unknown];
    if (used <= limit) return { allowed: true, kind, limit, used, remaining: limit - used, resetsAt };
    const kept = await this.redis.client.decrby(key, amount);
    return { allowed: false, kind, limit, used: kept, remaining: Math.max(0, limit - kept), resetsAt };
  }

  /** Today's figures for every quota kind (limit null = no quota). */
  async report(tenantId: string): Promise<Record<QuotaKind, QuotaFigure>> {
    const quotas = await this.limits.quotasFor(tenantId);
    const days = QUOTA_KINDS.map((kind) => this.today(tenantId, kind));
    const counts = await this.redis.client.mget(days.map((d) => d.key));
    const report = {} as Record<QuotaKind, QuotaFigure>;
    QUOTA_KINDS.forEach((kind, i) => {
      const limit = quotas[kind] > 0 ? quotas[kind] : null;
      const used = Number(counts[i] ?? 0);
      report[kind] = {
        limit,
        used,
        remaining: limit === null ? null : Math.max(0, limit - used),
        resetsAt: days[i].resetsAt,
      };
    });
    return report;
  }

  private today(tenantId: string, kind: QuotaKind): { key: string; resetsAt: string } {
    const day = this.currentDay();
    return { key: this.redis.key('quota', kind, tenantId, day.name), resetsAt: day.resetsAt };
  }

  /** The current UTC day; every request asks, with quotas or without, so its names are made once a day. */
  private currentDay(): { name: string; resetsAt: string } {
    const now = this.clock.now().getTime();
    const start = now - (now % DAY_MS);
    if (start !== this.day.start) {
      this.day = {
        start,
        name: new Date(start).toISOString().slice(0, 10),
        resetsAt: new Date(start + DAY_MS).toISOString(),
      };
    }
    return this.day;
  }
}
