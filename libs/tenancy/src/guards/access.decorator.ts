import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';

export type Access = 'admin' | 'tenant' | 'tenant-or-admin';
export const ACCESS_KEY = 'pulse:access';

/** Declares who may call a controller or route; enforced by the global AuthGuard. */
export function Access(access: Access) {
  return applyDecorators(
    SetMetadata(ACCESS_KEY, access),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'Missing, invalid or revoked credential' }),
    ApiForbiddenResponse({ description: 'Credential of the wrong kind for this route' }),
  );
}
