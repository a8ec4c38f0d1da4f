import { Injectable } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import { ErrorCode } from '@app/common';
import { TenancyException } from './tenancy.exception';

export interface Caller {
  kind: 'tenant' | 'admin';
  tenantId?: string;
  tenantSlug?: string;
  apiKeyId?: string;
}

const CALLER = 'caller';

/** The caller of the current request, resolved by the guards from the bearer credential and nothing else. */
@Injectable()
export class TenantContext {
  constructor(private readonly cls: ClsService) {}

  set(caller: Caller): void {
    this.cls.set(CALLER, caller);
  }

  get caller(): Caller | undefined {
    return this.cls.isActive() ? this.cls.get<Caller | undefined>(CALLER) : undefined;
  }

  /** The tenant of the current request; a route that calls this without a tenant guard is a bug. */
  get tenantId(): string {
    const id = this.caller?.tenantId;
    if (!id) throw new TenancyException(ErrorCode.UNAUTHORIZED, 'A tenant API key is required');
    return id;
  }
}
