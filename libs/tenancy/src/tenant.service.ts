import { Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { PrismaService } from '@app/database';
import { ErrorCode } from '@app/common';
import { ApiKeyService } from './api-key.service';
import { TenancyException } from './tenancy.exception';

export interface CreatedTenant {
  id: string;
  slug: string;
  name: string;
  apiKey: string;
}

@Injectable()
export class TenantService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly apiKeys: ApiKeyService,
  ) {}

  async create(input: { slug: string; name: string; monthlyBudgetUsd?: number }): Promise<CreatedTenant> {
    try {
      const tenant = await this.prisma.tenant.create({
        data: { slug: input.slug, name: input.name, monthlyBudgetUsd: input.monthlyBudgetUsd },
      });
      const { apiKey } = await this.apiKeys.create(tenant.id);
      return { id: tenant.id, slug: tenant.slug, name: tenant.name, apiKey };
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
        throw new TenancyException(ErrorCode.CONFLICT, `A tenant with slug "${input.slug}" already exists`);
      }
      throw err;
    }
  }

  async list() {
    const tenants = await this.prisma.tenant.findMany({ orderBy: { createdAt: 'asc' } });
    return tenants.map((t) => ({
      id: t.id,
      slug: t.slug,
      name: t.name,
      monthlyBudgetUsd: t.monthlyBudgetUsd === null ? null : Number(t.monthlyBudgetUsd),
      createdAt: t.createdAt.toISOString(),
    }));
  }

  async findBySlug(slug: string) {
    return this.prisma.tenant.findUnique({ where: { slug } });
  }

  async issueKey(tenantId: string): Promise<{ id: string; apiKey: string }> {
    const exists = await this.prisma.tenant.count({ where: { id: tenantId } });
    if (!exists) throw new TenancyException(ErrorCode.NOT_FOUND, `Tenant ${tenantId} not found`);
    return this.apiKeys.create(tenantId);
  }
}
