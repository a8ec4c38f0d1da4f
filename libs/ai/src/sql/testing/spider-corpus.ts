import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Client } from 'pg';
import type { SqlCatalog } from '../sql-catalog';
import { corporaDir } from './corpora';
import type { ScratchDatabase } from './scratch-database';

export const SPIDER_TENANTS = ['tenant-a', 'tenant-b'] as const;

export interface SpiderQuery {
  dbId: string;
  question: string;
  sql: string;
}

export interface SpiderSchema {
  /** Schema the database was loaded into (the Spider db_id, lower-cased). */
  schema: string;
  /** Tables given a tenant_id column (half of them, alternating by name). */
  tenantTables: string[];
  catalog: SqlCatalog;
  /** Schema holding exactly what one tenant may see: the oracle for rewritten queries. */
  sliceSchema: (tenant: string) => string;
}

interface TablesJsonEntry {
  db_id: string;
  table_names_original: string[];
  column_names_original: [number, string][];
  column_types: string[];
}

export function spiderDir(): string {
  return path.join(corporaDir(), 'sql-valid/spider-dev');
}

/** Gold queries that pg_runs.jsonl records as running on PostgreSQL over the dumps. */
export function spiderQueriesThatRun(): SpiderQuery[] {
  return readFileSync(path.join(spiderDir(), 'pg_runs.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as { db_id: string; question: string; sql: string; pg_check: string })
    .filter((r) => r.pg_check === 'ok')
    .map((r) => ({ dbId: r.db_id, question: r.question, sql: r.sql }));
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** wta_1 has no dump; its tables are created empty from tables.json so its queries still plan and run. */
function ddlFromTablesJson(dbId: string): string {
  const entries = JSON.parse(
    readFileSync(path.join(spiderDir(), 'tables.json'), 'utf8'),
  ) as TablesJsonEntry[];
  const entry = entries.find((e) => e.db_id === dbId);
  if (!entry) throw new Error(`${dbId} is neither dumped nor in tables.json`);
  const schema = dbId.toLowerCase();
  const types: Record<string, string> = { number: 'numeric', boolean: 'boolean' };
  const statements = entry.table_names_original.map((table, t) => {
    const cols = entry.column_names_original
      .map(([ti, name], i) => ({ ti, name, type: entry.column_types[i] }))
      .filter((c) => c.ti === t)
      .map((c) => `${ident(c.name.toLowerCase())} ${types[c.type] ?? 'text'}`);
    return `CREATE TABLE ${ident(schema)}.${ident(table.toLowerCase())} (${cols.join(', ')});`;
  });
  return `CREATE SCHEMA ${ident(schema)}; ${statements.join(' ')}`;
}

/** The compat patch is written as comments (`-- \c db` then `--   ALTER ...;`); apply each in its schema. */
function compatPatchStatements(): string[] {
  const text = readFileSync(path.join(spiderDir(), 'pg_dumps/zz_compat_patch.sql'), 'utf8');
  const out: string[] = [];
  let schema: string | undefined;
  for (const line of text.split('\n')) {
    const connect = /^--\s*\\c\s+(\w+)/.exec(line);
    if (connect) schema = connect[1].toLowerCase();
    const alter = /^--\s+(ALTER TABLE .*;)\s*$/.exec(line);
    if (alter && schema) out.push(`SET search_path TO ${ident(schema)}; ${alter[1]}`);
  }
  return out;
}

/**
 * Loads every Spider dump into its own schema of `db` (each dump targets `public`, so `public` is renamed
 * after each load), applies the compat patch, gives alternating tables a tenant_id split between two
 * tenants, grants the reader role SELECT, and copies each tenant's slice into a schema of its own.
 */
export async function loadSpider(
  db: ScratchDatabase,
  admin: Client,
  readerRole: string,
  queries: SpiderQuery[],
): Promise<Map<string, SpiderSchema>> {
  const dumpDir = path.join(spiderDir(), 'pg_dumps');
  const dumps = readdirSync(dumpDir)
    .filter((f) => f.endsWith('.sql') && f !== 'zz_compat_patch.sql')
    .sort();
  const args: string[] = [];
  const loaded = new Set<string>();
  for (const file of dumps) {
    const schema = path.basename(file, '.sql').toLowerCase();
    loaded.add(schema);
    // pg_dump files clear search_path; voter_1.sql is plain SQL that needs it, so reset before each file.
    args.push(
      '-c',
      'SET search_path TO public',
      '-f',
      path.join(dumpDir, file),
      '-c',
      `ALTER SCHEMA public RENAME TO ${ident(schema)}; CREATE SCHEMA public;`,
    );
  }
  for (const dbId of new Set(queries.map((q) => q.dbId))) {
    if (!loaded.has(dbId.toLowerCase())) {
      args.push('-c', ddlFromTablesJson(dbId));
      loaded.add(dbId.toLowerCase());
    }
  }
  for (const statement of compatPatchStatements()) args.push('-c', statement);
  await db.psql(args);

  const schemas = new Map<string, SpiderSchema>();
  for (const schema of [...loaded].sort()) {
    const { rows: tables } = await admin.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables
        WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY table_name`,
      [schema],
    );
    const tenantTables = tables.filter((_, i) => i % 2 === 0).map((t) => t.table_name);
    const setup: string[] = [];
    for (const table of tenantTables) {
      const q = `${ident(schema)}.${ident(table)}`;
      setup.push(
        `ALTER TABLE ${q} ADD COLUMN tenant_id text`,
        `UPDATE ${q} AS r SET tenant_id = CASE WHEN (hashtext(r::text) & 1) = 0 THEN '${SPIDER_TENANTS[0]}' ELSE '${SPIDER_TENANTS[1]}' END`,
      );
    }
    setup.push(
      `GRANT USAGE ON SCHEMA ${ident(schema)} TO ${ident(readerRole)}`,
      `GRANT SELECT ON ALL TABLES IN SCHEMA ${ident(schema)} TO ${ident(readerRole)}`,
    );
    const sliceSchema = (tenant: string) => `${schema}__${tenant.replace(/-/g, '_')}`;
    for (const tenant of SPIDER_TENANTS) {
      const slice = ident(sliceSchema(tenant));
      setup.push(`CREATE SCHEMA ${slice}`);
      for (const { table_name: table } of tables) {
        const filter = tenantTables.includes(table) ? ` WHERE tenant_id = '${tenant}'` : '';
        const source = `${ident(schema)}.${ident(table)}`;
        // Tables with the same keys (not views), so GROUP BY on a primary key works as in the original.
        setup.push(
          `CREATE TABLE ${slice}.${ident(table)} (LIKE ${source} INCLUDING ALL)`,
          `INSERT INTO ${slice}.${ident(table)} SELECT * FROM ${source}${filter}`,
        );
      }
    }
    await admin.query(setup.join(';\n'));

    const { rows: columns } = await admin.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = $1 ORDER BY table_name, ordinal_position`,
      [schema],
    );
    const catalog: SqlCatalog = { schema, tables: {} };
    for (const { table_name: table } of tables) {
      catalog.tables[table] = {
        columns: columns.filter((c) => c.table_name === table).map((c) => c.column_name),
        ...(tenantTables.includes(table) ? { tenantColumn: 'tenant_id' } : {}),
      };
    }
    schemas.set(schema, { schema, tenantTables, catalog, sliceSchema });
  }
  return schemas;
}
