import type { RangeVar } from 'libpg-query';
import { SYSTEM_SCHEMAS } from '../sql-allow-list';
import type { SqlCatalog, SqlCatalogTable } from '../sql-catalog';
import { SqlGuardException } from '../sql-guard.exception';

/** Which table references may read the catalog's tables, and the reasons for those that may not. */
export class CatalogTables {
  readonly schema: string;

  constructor(private readonly catalog: SqlCatalog) {
    this.schema = catalog.schema ?? 'public';
  }

  rejectCrossDatabase(rv: RangeVar): void {
    if (!rv.catalogname) return;
    const relname = rv.relname ?? '';
    throw SqlGuardException.rejected(
      'schema_not_allowed',
      `"${rv.catalogname}.${rv.schemaname ?? ''}.${relname}": cross-database references are not allowed.`,
      { table: relname },
    );
  }

  /** The catalog table a reference (that is not a CTE) names; throws when it names anything else. */
  lookup(rv: RangeVar): SqlCatalogTable {
    const relname = rv.relname ?? '';
    if (rv.schemaname && rv.schemaname !== this.schema) {
      if (SYSTEM_SCHEMAS.has(rv.schemaname) || rv.schemaname.startsWith('pg_')) {
        throw SqlGuardException.rejected(
          'system_schema',
          `"${rv.schemaname}.${relname}" is a system catalog; only the business tables can be queried: ${this.list()}.`,
          { schema: rv.schemaname, table: relname },
        );
      }
      throw SqlGuardException.rejected(
        'schema_not_allowed',
        `Schema "${rv.schemaname}" is not allowed; use unqualified table names (${this.list()}).`,
        { schema: rv.schemaname, table: relname },
      );
    }
    const table = Object.prototype.hasOwnProperty.call(this.catalog.tables, relname)
      ? this.catalog.tables[relname]
      : undefined;
    if (!table) {
      const system = relname.startsWith('pg_') || SYSTEM_SCHEMAS.has(relname);
      throw SqlGuardException.rejected(
        system ? 'system_schema' : 'table_not_allowed',
        `Table "${relname}" is not available; the tables you can query are: ${this.list()}.`,
        { table: relname },
      );
    }
    return table;
  }

  private list(): string {
    return Object.keys(this.catalog.tables).sort().join(', ');
  }
}
