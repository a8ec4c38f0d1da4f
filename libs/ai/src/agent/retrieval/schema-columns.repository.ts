import { Injectable } from '@nestjs/common';
import { PgPoolService } from '@app/database';

export interface ColumnInfo {
  table: string;
  column: string;
  /** information_schema's data_type (`ARRAY`, `timestamp with time zone`, ...). */
  dataType: string;
  /** The type's own name; for arrays, the element type with a leading `_`. */
  udtName: string;
}

/** Column types of our own tables, from information_schema. */
@Injectable()
export class SchemaColumnsRepository {
  constructor(private readonly pg: PgPoolService) {}

  async columns(tables: readonly string[]): Promise<ColumnInfo[]> {
    const { rows } = await this.pg.pool.query<ColumnInfo>(
      `SELECT table_name AS "table", column_name AS "column", data_type AS "dataType", udt_name AS "udtName"
       FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name = ANY($1)`,
      [tables],
    );
    return rows;
  }
}
