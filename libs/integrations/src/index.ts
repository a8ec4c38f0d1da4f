export * from './integrations.module';
export * from './integrations.service';
export * from './integrations.repository';
export * from './integrations.exception';
export * from './secret-box';
export * from './dto/integration.dto';
