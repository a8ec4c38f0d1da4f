export * from './error-code';
export * from './app.exception';
export * from './common.exception';
export * from './entities';
export * from './with-timeout';
export * from './error-body';
export * from './dto/error-response.dto';
export * from './seeded-random';
