import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { ErrorCode } from '@app/common';
import { AppConfig } from '@app/config';
import { TenantService } from '@app/tenancy';
import type { PutTenantLimitsDto, TenantLimitsDto } from './dto/tenant-limits.dto';
import { ROUTE_CLASSES, type RouteClass } from './route-class';
import { TenantLimitsRepository, type TenantLimitsRow } from './tenant-limits.repository';
import { ThrottlingException } from './throttling.exception';

/** How long a pod reuses a tenant's limits: an override made on another pod applies within this time. */
const CACHE_TTL_MS = 5_000;

export type ClassLimits = Record<RouteClass, number>;

export const QUOTA_KINDS = ['questions', 'embeddedTexts'] as const;
export type QuotaKind = (typeof QUOTA_KINDS)[number];
/** Per day; 0 = no quota. */
export type DailyQuotas = Record<QuotaKind, number>;

const QUOTA_COLUMN = { questions: 'dailyQuestions', embeddedTexts: 'dailyEmbeddedTexts' } as const;
const QUOTA_FIELDS = Object.values(QUOTA_COLUMN);

/** Rate limits in force per tenant: the configured defaults with the tenant's overrides on top. */
@Injectable()
export class TenantLimitsService {
  private readonly cache = new LRUCache<string, Promise<TenantLimitsRow | { none: true }>>({
    max: 50_000,
    ttl: CACHE_TTL_MS,
  });

  constructor(
    private readonly limits: TenantLimitsRepository,
    private readonly tenants: TenantService,
    private readonly config: AppConfig,
  ) {}

  get windowS(): number {
    return this.config.rateLimits.windowS;
  }

  /** Limits for a tenant; `undefined` (the admin token) gets the defaults. */
  async limitsFor(tenantId: string | undefined): Promise<ClassLimits> {
    if (tenantId === undefined) return this.config.rateLimits.perClass;
    return this.effective(await this.row(tenantId));
  }

  /** The tenant's daily quotas in force (0 = none). */
  async quotasFor(tenantId: string): Promise<DailyQuotas> {
    const row = await this.row(tenantId);
    const defaults = this.config.rateLimits.dailyQuotas;
    return {
      questions: row?.dailyQuestions ?? defaults.questions,
      embeddedTexts: row?.dailyEmbeddedTexts ?? defaults.embeddedTexts,
    };
  }

  private async row(tenantId: string): Promise<TenantLimitsRow | null> {
    let cached = this.cache.get(tenantId);
    if (!cached) {
      const loading = this.limits.find(tenantId).then((row) => row ?? { none: true as const });
      loading.catch(() => this.cache.delete(tenantId));
      this.cache.set(tenantId, loading);
      cached = loading;
    }
    const row = await cached;
    return 'none' in row ? null : row;
  }

  async get(tenantId: string): Promise<TenantLimitsDto> {
    await this.assertTenant(tenantId);
    return this.toDto(tenantId, await this.limits.find(tenantId));
  }

  async put(tenantId: string, body: PutTenantLimitsDto): Promise<TenantLimitsDto> {
    await this.assertTenant(tenantId);
    const fields: Partial<Record<RouteClass | (typeof QUOTA_FIELDS)[number], number | null>> = {};
    for (const key of [...ROUTE_CLASSES, ...QUOTA_FIELDS])
      if (body[key] !== undefined) fields[key] = body[key];
    const row = await this.limits.upsert(tenantId, fields);
    this.cache.delete(tenantId);
    return this.toDto(tenantId, row);
  }

  private async assertTenant(tenantId: string): Promise<void> {
    if (!(await this.tenants.exists(tenantId)))
      throw new ThrottlingException(ErrorCode.NOT_FOUND, `Tenant ${tenantId} not found`);
  }

  private effective(row: TenantLimitsRow | null): ClassLimits {
    const defaults = this.config.rateLimits.perClass;
    const limits = { ...defaults };
    for (const cls of ROUTE_CLASSES) limits[cls] = row?.[cls] ?? defaults[cls];
    return limits;
  }

  private toDto(tenantId: string, row: TenantLimitsRow | null): TenantLimitsDto {
    const overrides: TenantLimitsDto['overrides'] = {};
    for (const key of [...ROUTE_CLASSES, ...QUOTA_FIELDS]) {
      const value = row?.[key];
      if (value !== null && value !== undefined) overrides[key] = value;
    }
    const defaults = this.config.rateLimits.dailyQuotas;
    return {
      tenantId,
      windowS: this.windowS,
      effective: {
        ...this.effective(row),
        dailyQuestions: row?.dailyQuestions ?? defaults.questions,
        dailyEmbeddedTexts: row?.dailyEmbeddedTexts ?? defaults.embeddedTexts,
      },
      overrides,
    };
  }
}
