import { existsSync } from 'node:fs';

/** Local development reads ./.env (written by `npm run quickstart`); real environment variables win. */
export function loadDotEnv(file = '.env'): void {
  if (existsSync(file)) process.loadEnvFile(file);
}
