import { Injectable } from '@nestjs/common';
import { ErrorCode } from '@app/common';
import { ApiKeyService } from './api-key.service';
import { TenancyException } from './tenancy.exception';
import { TenantRepository, type TenantRow } from './tenant.repository';

export interface CreatedTenant {
  id: string;
  slug: string;
  name: string;
  apiKey: string;
}

/** PostgreSQL's unique_violation: here, the tenants' slug. */
const UNIQUE_VIOLATION = '23505';

@Injectable()
export class TenantService {
  constructor(
    private readonly tenants: TenantRepository,
    private readonly apiKeys: ApiKeyService,
  ) {}

  async create(input: { slug: string; name: string; monthlyBudgetUsd?: number }): Promise<CreatedTenant> {
    try {
      const tenant = await this.tenants.create(input);
      const { apiKey } = await this.apiKeys.create(tenant.id);
      return { id: tenant.id, slug: tenant.slug, name: tenant.name, apiKey };
    } catch (err) {
      if ((err as { code?: unknown }).code === UNIQUE_VIOLATION) {
        throw new TenancyException(ErrorCode.CONFLICT, `A tenant with slug "${input.slug}" already exists`);
      }
      throw err;
    }
  }

  async list() {
    const tenants = await this.tenants.list();
    return tenants.map((t) => ({
      id: t.id,
      slug: t.slug,
      name: t.name,
      monthlyBudgetUsd: t.monthlyBudgetUsd,
      createdAt: t.createdAt.toISOString(),
    }));
  }

  async findBySlug(slug: string): Promise<TenantRow | null> {
    return this.tenants.findBySlug(slug);
  }

  async exists(tenantId: string): Promise<boolean> {
    return this.tenants.exists(tenantId);
  }

  /** The tenant's monthly LLM budget in USD; null when none is set. */
  async monthlyBudgetUsd(tenantId: string): Promise<number | null> {
    return this.tenants.monthlyBudgetUsd(tenantId);
  }

  async issueKey(tenantId: string): Promise<{ id: string; apiKey: string }> {
    if (!(await this.tenants.exists(tenantId)))
      throw new TenancyException(ErrorCode.NOT_FOUND, `Tenant ${tenantId} not found`);
    return this.apiKeys.create(tenantId);
  }
}
