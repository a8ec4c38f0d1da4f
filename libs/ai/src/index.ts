export * from './sql';
export * from './semantic';
export * from './providers';
