import { Injectable } from '@nestjs/common';
import type { TenantLimits } from '@prisma/client';
import { LRUCache } from 'lru-cache';
import { ErrorCode } from '@app/common';
import { AppConfig } from '@app/config';
import { PrismaService } from '@app/database';
import type { PutTenantLimitsDto, TenantLimitsDto } from './dto/tenant-limits.dto';
import { ROUTE_CLASSES, type RouteClass } from './route-class';
import { ThrottlingException } from './throttling.exception';

/** How long a pod reuses a tenant's limits: an override made on another pod applies within this time. */
const CACHE_TTL_MS = 5_000;

export type ClassLimits = Record<RouteClass, number>;

/** Rate limits in force per tenant: the configured defaults with the tenant's overrides on top. */
@Injectable()
export class TenantLimitsService {
  private readonly cache = new LRUCache<string, Promise<ClassLimits>>({ max: 50_000, ttl: CACHE_TTL_MS });

  constructor(
    private readonly prisma: PrismaService,
    private readonly config: AppConfig,
  ) {}

  get windowS(): number {
    return this.config.rateLimits.windowS;
  }

  /** Limits for a tenant; `undefined` (the admin token) gets the defaults. */
  limitsFor(tenantId: string | undefined): Promise<ClassLimits> {
    if (tenantId === undefined) return Promise.resolve(this.config.rateLimits.perClass);
    const cached = this.cache.get(tenantId);
    if (cached) return cached;
    const loading = this.prisma.tenantLimits
      .findUnique({ where: { tenantId } })
      .then((row) => this.effective(row));
    this.cache.set(tenantId, loading);
    loading.catch(() => this.cache.delete(tenantId));
    return loading;
  }

  async get(tenantId: string): Promise<TenantLimitsDto> {
    await this.assertTenant(tenantId);
    return this.toDto(tenantId, await this.prisma.tenantLimits.findUnique({ where: { tenantId } }));
  }

  async put(tenantId: string, body: PutTenantLimitsDto): Promise<TenantLimitsDto> {
    await this.assertTenant(tenantId);
    const fields: Partial<Record<RouteClass, number | null>> = {};
    for (const cls of ROUTE_CLASSES) if (body[cls] !== undefined) fields[cls] = body[cls];
    const row = await this.prisma.tenantLimits.upsert({
      where: { tenantId },
      create: { tenantId, ...fields },
      update: fields,
    });
    this.cache.delete(tenantId);
    return this.toDto(tenantId, row);
  }

  private async assertTenant(tenantId: string): Promise<void> {
    const exists = await this.prisma.tenant.count({ where: { id: tenantId } });
    if (!exists) throw new ThrottlingException(ErrorCode.NOT_FOUND, `Tenant ${tenantId} not found`);
  }

  private effective(row: TenantLimits | null): ClassLimits {
    const defaults = this.config.rateLimits.perClass;
    const limits = { ...defaults };
    for (const cls of ROUTE_CLASSES) limits[cls] = row?.[cls] ?? defaults[cls];
    return limits;
  }

  private toDto(tenantId: string, row: TenantLimits | null): TenantLimitsDto {
    const overrides: Partial<ClassLimits> = {};
    for (const cls of ROUTE_CLASSES) {
      const value = row?.[cls];
      if (value !== null && value !== undefined) overrides[cls] = value;
    }
    return { tenantId, windowS: this.windowS, effective: this.effective(row), overrides };
  }
}
