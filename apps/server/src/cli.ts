import 'reflect-metadata';
import { loadDotEnv } from './dotenv';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SingleBar, Presets } from 'cli-progress';
import { Command } from 'commander';
import { Client } from 'pg';
import { ENTITIES, isEntity, type Entity } from '@app/common';
import { AppConfig, ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { EtlModule, EtlStatusService, generateDemoDataset, IngestService, readRecordFile } from '@app/etl';
import { HealthModule } from '@app/health';
import { MetricsModule } from '@app/metrics';
import { TenancyModule, TenantService } from '@app/tenancy';

loadDotEnv();

/** The repository root (where prisma/ lives), from source or from dist/. */
const ROOT = path.resolve(require.resolve('prisma/package.json'), '../../..');
const BATCH = 1000;

/**
 * The CLI writes through the same services as the HTTP API (validation, upsert), without workers: the
 * database's triggers queue what changed, and the running server's workers vectorize it.
 */
@Module({
  imports: [
    ConfigModule,
    DatabaseModule,
    HealthModule,
    MetricsModule,
    TenancyModule,
    EtlModule.forRole({ http: false, workers: false }),
  ],
})
class CliModule {}

type CliApp = Awaited<ReturnType<typeof NestFactory.createApplicationContext>>;

async function withApp<T>(fn: (app: CliApp) => Promise<T>): Promise<T> {
  const app = await NestFactory.createApplicationContext(CliModule, { logger: ['error', 'warn'] });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

/** Creates the database named in DATABASE_URL when it does not exist yet (connecting to the `postgres` database). */
async function ensureDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
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

async function tenantKey(app: CliApp, slug: string): Promise<{ id: string; apiKey: string }> {
  const tenants = app.get(TenantService);
  const existing = await tenants.findBySlug(slug);
  if (existing) return { id: existing.id, apiKey: (await tenants.issueKey(existing.id)).apiKey };
  const created = await tenants.create({ slug, name: `${slug} (demo)` });
  return { id: created.id, apiKey: created.apiKey };
}

function printTenant(slug: string, apiKey: string, port: number): void {
  const base = `http://localhost:${port}`;
  const auth = `-H "Authorization: Bearer ${apiKey}"`;
  const json = `-H 'Content-Type: application/json'`;
  console.log(`\nTenant "${slug}" API key (shown once):\n  ${apiKey}\n`);
  console.log('Try:');
  console.log(`  curl -s ${base}/health/ready`);
  console.log(`  curl -s ${auth} ${base}/v1/etl/status`);
  console.log(
    `  curl -s ${auth} ${json} ${base}/v1/ai/search -d '{"query": "checkout times out under load", "limit": 5}'`,
  );
  console.log(
    `  curl -s ${auth} ${json} ${base}/v1/ai/query -d '{"question": "How many bugs were resolved last month?"}'`,
  );
  console.log(
    `  curl -s ${auth} ${json} ${base}/v1/ai/query -d '{"question": "median cycle time by project"}'`,
  );
  console.log(`  open ${base}/docs for the OpenAPI UI\n`);
  console.log(`Console: ${base}/console/ (sign in by pasting the key above)\n`);
}

interface Totals {
  accepted: number;
  rejected: number;
  inserted: number;
  updated: number;
  unchanged: number;
  queued: number;
}

/** Sends records through IngestService in batches, with a progress bar; returns the summed outcome. */
async function ingestAll(
  ingest: IngestService,
  tenantId: string,
  entity: Entity,
  source: AsyncIterable<{ line: number; record: unknown }> | Iterable<{ line: number; record: unknown }>,
  progress: { bar: SingleBar; total: number; byBytes: boolean },
  errors: string[],
): Promise<Totals> {
  const totals: Totals = { accepted: 0, rejected: 0, inserted: 0, updated: 0, unchanged: 0, queued: 0 };
  let batch: { line: number; record: unknown }[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const result = await ingest.ingest(
      tenantId,
      entity,
      batch.map((b) => b.record),
    );
    for (const key of ['accepted', 'inserted', 'updated', 'unchanged', 'queued'] as const)
      totals[key] += result[key];
    totals.rejected += result.rejected.length;
    for (const r of result.rejected)
      if (errors.length < 20) errors.push(`line ${batch[r.index].line}: ${r.errors.join('; ')}`);
    if (!progress.byBytes) progress.bar.increment(batch.length);
    batch = [];
  };
  for await (const item of source) {
    batch.push(item);
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  return totals;
}

function summary(entity: string, totals: Totals, ms: number, errors: string[]): void {
  const rate = Math.round(((totals.accepted + totals.rejected) / Math.max(ms, 1)) * 1000);
  console.log(
    `${entity}: ${totals.accepted} accepted (${totals.inserted} new, ${totals.updated} updated, ${totals.unchanged} unchanged), ` +
      `${totals.rejected} rejected, ${totals.queued} queued for vectorization — ${(ms / 1000).toFixed(1)} s, ${rate} records/s`,
  );
  for (const e of errors) console.log(`  ${e}`);
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
    await withApp(async (app) =>
      printTenant(opts.tenant, (await tenantKey(app, opts.tenant)).apiKey, config.server.port),
    );
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

program
  .command('import')
  .description('stream a .jsonl or .csv file of records into a tenant, in batches of 1,000')
  .requiredOption('--tenant <slug>')
  .requiredOption('--entity <entity>', ENTITIES.join(' | '))
  .argument('<file>')
  .action(async (file: string, opts: { tenant: string; entity: string }) => {
    if (!isEntity(opts.entity))
      throw new Error(`Unknown entity "${opts.entity}"; expected one of ${ENTITIES.join(', ')}`);
    const entity = opts.entity;
    await withApp(async (app) => {
      const tenant = await app.get(TenantService).findBySlug(opts.tenant);
      if (!tenant)
        throw new Error(
          `No tenant "${opts.tenant}" (create it with: npm run cli -- tenant:create --slug ${opts.tenant})`,
        );
      const bar = new SingleBar(
        { format: `${entity} [{bar}] {percentage}% | {value}/{total} bytes | {eta}s left` },
        Presets.shades_classic,
      );
      bar.start(1, 0);
      const errors: string[] = [];
      const started = Date.now();
      const source = readRecordFile(file, entity, (read, total) => {
        bar.setTotal(total);
        bar.update(read);
      });
      const totals = await ingestAll(
        app.get(IngestService),
        tenant.id,
        entity,
        source,
        { bar, total: 0, byBytes: true },
        errors,
      );
      bar.stop();
      summary(entity, totals, Date.now() - started, errors);
      if (totals.rejected > 0) process.exitCode = 2;
    });
  });

program
  .command('demo')
  .description(
    'create the demo tenant and load a generated, realistic dataset (10k work items, 3k PRs, 1k deployments)',
  )
  .option('--tenant <slug>', 'tenant slug', 'demo')
  .option('--seed <n>', 'dataset seed', '42')
  .option('--scale <x>', 'multiply the dataset size', '1')
  .option('--out <dir>', 'also write the dataset as .jsonl files into this folder')
  .option('--skip-if-loaded', 'only print a key when the tenant already has records (first-run scripts)')
  .action(
    async (opts: { tenant: string; seed: string; scale: string; out?: string; skipIfLoaded?: boolean }) => {
      const config = new AppConfig(process.env);
      await ensureDatabase(config.database.url);
      migrate();
      const scale = Number(opts.scale);
      const data = generateDemoDataset({
        seed: Number(opts.seed),
        workItems: Math.round(10_000 * scale),
        pullRequests: Math.round(3_000 * scale),
        deployments: Math.round(1_000 * scale),
      });
      if (opts.out) {
        for (const [name, rows] of Object.entries({
          work_items: data.workItems,
          pull_requests: data.pullRequests,
          deployments: data.deployments,
        })) {
          writeFileSync(
            path.join(opts.out, `${name}.jsonl`),
            rows.map((r) => JSON.stringify(r)).join('\n') + '\n',
          );
        }
      }
      await withApp(async (app) => {
        const { id, apiKey } = await tenantKey(app, opts.tenant);
        if (opts.skipIfLoaded) {
          const { entities } = await app.get(EtlStatusService).status(id);
          const records = Object.values(entities).reduce((n, e) => n + e.records, 0);
          if (records > 0) {
            console.log(
              `Tenant "${opts.tenant}" already has ${records} records; not loading the demo dataset again.`,
            );
            printTenant(opts.tenant, apiKey, config.server.port);
            return;
          }
        }
        const ingest = app.get(IngestService);
        for (const [entity, rows] of [
          ['work_items', data.workItems],
          ['pull_requests', data.pullRequests],
          ['deployments', data.deployments],
        ] as [Entity, Record<string, unknown>[]][]) {
          const bar = new SingleBar(
            { format: `${entity.padEnd(13)} [{bar}] {value}/{total}` },
            Presets.shades_classic,
          );
          bar.start(rows.length, 0);
          const errors: string[] = [];
          const started = Date.now();
          const totals = await ingestAll(
            ingest,
            id,
            entity,
            rows.map((record, i) => ({ line: i + 1, record })),
            { bar, total: rows.length, byBytes: false },
            errors,
          );
          bar.stop();
          summary(entity, totals, Date.now() - started, errors);
        }
        console.log(
          '\nVectorization runs in the server (npm start); watch progress with GET /v1/etl/status.',
        );
        printTenant(opts.tenant, apiKey, config.server.port);
      });
    },
  );

program
  .parseAsync(process.argv)
  // A CLI run is over when its command is: lingering sockets or model threads must not keep it alive.
  .then(() => process.exit(process.exitCode ?? 0))
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
