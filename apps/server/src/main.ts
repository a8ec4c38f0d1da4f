import 'reflect-metadata';
import { bootstrap } from './bootstrap';
import { loadDotEnv } from './dotenv';

loadDotEnv();

bootstrap().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
