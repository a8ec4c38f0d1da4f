import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Command } from 'commander';
import { Client } from 'pg';
import { NestFactory } from '@nestjs/core';
import { AppConfig, ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { TenancyModule, TenantService } from '@app/tenancy';
import { Module } from '@nestjs/common';
import { ClsModule } from 'nestjs-cls';
import { loadDotEnv } from './dotenv';

loadDotEnv();

/** The repository root (where prisma/ lives), from source or from dist/. */
const ROOT = path.resolve(require.resolve('prisma/package.json'), '../../..');

@Module({ imports: [ConfigModule, ClsModule.forRoot({ global: true }), DatabaseModule, TenancyModule] })
class CliModule {}

async function withApp<T>(
  fn: (app: Awaited<ReturnType<typeof NestFactory.createApplicationContext>>) => Promise<T>,
): Promise<T> {
  const app = await NestFactory.createApplicationContext(CliModule, { logger: ['error', 'warn'] });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

/** Creates the database named in DATABASE_URL when it does not exist yet (connecting to the `postgres` database). */
async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      console.log(`Created database ${name}`);
    }
  } finally {
    await client.end();
  }
}

function migrate(): void {
  execFileSync(process.execPath, [require.resolve('prisma/build/index.js'), 'migrate', 'deploy'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  console.log('Migrations applied');
}

function printTenant(slug: string, apiKey: string, port: number): void {
  const base = `http://localhost:${port}`;
  console.log(`\nTenant "${slug}" API key (shown once):\n  ${apiKey}\n`);
  console.log('Try:');
  console.log(`  curl -s ${base}/health/ready`);
  console.log(`  curl -s -H "Authorization: Bearer ${apiKey}" ${base}/v1/integrations`);
  console.log(`  open ${base}/docs for the OpenAPI UI\n`);
}

const program = new Command('pulse').description('Pulse AI command line');

program
  .command('setup')
  .description('create the database if needed, apply migrations, and print a demo tenant key')
  .option('--tenant <slug>', 'tenant to create or issue a new key for', 'demo')
  .action(async (opts: { tenant: string }) => {
    const config = new AppConfig(process.env);
    await ensureDatabase(config.database.url);
    migrate();
    await withApp(async (app) => {
      const tenants = app.get(TenantService);
      const existing = await tenants.findBySlug(opts.tenant);
      const apiKey = existing
        ? (await tenants.issueKey(existing.id)).apiKey
        : (await tenants.create({ slug: opts.tenant, name: `${opts.tenant} (demo)` })).apiKey;
      printTenant(opts.tenant, apiKey, config.server.port);
    });
  });

program
  .command('tenant:create')
  .description('create a tenant and print its first API key')
  .requiredOption('--slug <slug>')
  .option('--name <name>')
  .action(async (opts: { slug: string; name?: string }) => {
    await withApp(async (app) => {
      const created = await app.get(TenantService).create({ slug: opts.slug, name: opts.name ?? opts.slug });
      printTenant(created.slug, created.apiKey, app.get(AppConfig).server.port);
    });
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
