export * from './tenancy.module';
export * from './tenancy.exception';
export * from './tenant-context';
export * from './tenant.service';
export * from './api-key.service';
export * from './guards/access.decorator';
export * from './guards/credential.resolver';
export * from './guards/bearer';
