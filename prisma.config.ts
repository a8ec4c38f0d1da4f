import path from 'node:path';
import pg from 'pg';
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';

/**
 * Workaround for prisma/orm#27403 ("Column type 'name' could not be deserialized"): the JS schema engine
 * reads pg_catalog columns whose types @prisma/adapter-pg does not map. They are plain strings, so the
 * driver reports them as text. Only the migration CLI uses this client (the app has no Prisma client).
 */
const CATALOG_TEXT_TYPES = new Set([19 /* name */, 18 /* "char" */]);
const TEXT_OID = 25;

function reportCatalogTypesAsText(result: unknown): unknown {
  for (const r of Array.isArray(result) ? result : [result]) {
    for (const field of (r as pg.QueryResult | undefined)?.fields ?? []) {
      if (CATALOG_TEXT_TYPES.has(field.dataTypeID)) field.dataTypeID = TEXT_OID;
    }
  }
  return result;
}

class MigrationClient extends pg.Client {
  // pg.Pool calls client.query with a callback; direct callers get a promise. Both paths are covered.
  override query(...args: unknown[]): never {
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      args[args.length - 1] = (err: unknown, res: unknown) =>
        (last as (e: unknown, r: unknown) => void)(err, reportCatalogTypesAsText(res));
    }
    const pending = (super.query as (...a: unknown[]) => unknown)(...args);
    return (pending instanceof Promise ? pending.then(reportCatalogTypesAsText) : pending) as never;
  }
}

/**
 * The adapter's executeScript splits a migration on every ";" (inside comments and DO blocks too), which
 * breaks PL/pgSQL. PostgreSQL runs a multi-statement script in one simple query, so send it whole.
 */
class MigrationAdapterFactory extends PrismaPg {
  override async connect() {
    const adapter = await super.connect();
    adapter.executeScript = async (script: string) => {
      await adapter.underlyingDriver().query(script);
    };
    return adapter;
  }
}

/** Discrete fields, not a connectionString: with a connectionString the shadow database silently becomes the main one. */
function poolConfig(): pg.PoolConfig {
  const url = new URL(process.env.DATABASE_URL ?? 'postgresql://root@127.0.0.1:5432/test');
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password) || undefined,
    database: url.pathname.slice(1),
    Client: MigrationClient,
  };
}

// Without a DATABASE_URL the CLI falls back to the native engines and tries to download them.
process.env.DATABASE_URL ??= 'postgresql://127.0.0.1:5432/pulse';

/** The JS schema engine over @prisma/adapter-pg: migrate runs offline (no engine downloads). */
export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join('prisma', 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations') },
  adapter: async () => new MigrationAdapterFactory(poolConfig()),
});
