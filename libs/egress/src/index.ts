export * from './address-rules';
export * from './egress-guard';
export * from './egress.exception';
export * from './egress.module';
