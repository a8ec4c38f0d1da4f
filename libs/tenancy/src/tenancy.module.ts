import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AdminController } from './admin.controller';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeyService } from './api-key.service';
import { AuthGuard } from './guards/auth.guard';
import { CredentialResolver } from './guards/credential.resolver';
import { TenantRepository } from './tenant.repository';
import { TenantService } from './tenant.service';

/** Tenants, API keys and the request's caller. Registers the global AuthGuard (routes opt in with @Access). */
@Global()
@Module({
  controllers: [AdminController],
  providers: [
    ApiKeyRepository,
    ApiKeyService,
    TenantRepository,
    TenantService,
    CredentialResolver,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [ApiKeyService, TenantService, CredentialResolver],
})
export class TenancyModule {}
