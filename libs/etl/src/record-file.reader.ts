import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import type { Entity } from '@app/common';
import { ENTITY_DEFINITIONS } from './entities/entity-definition';

export interface FileRecord {
  /** 1-based line (JSONL) or row (CSV, header excluded) for error messages. */
  line: number;
  record: unknown;
}

/**
 * Streams records from a .jsonl or .csv file without loading it whole. CSV columns are the API field names;
 * list fields are separated by `|`, numbers are converted, empty cells are omitted.
 */
export async function* readRecordFile(
  file: string,
  entity: Entity,
  onBytes: (bytesRead: number, total: number) => void = () => undefined,
): AsyncGenerator<FileRecord> {
  const total = statSync(file).size;
  const stream = createReadStream(file);
  let bytes = 0;
  stream.on('data', (chunk) => {
    bytes += chunk.length;
    onBytes(bytes, total);
  });
  if (file.endsWith('.csv')) {
    const types = new Map(ENTITY_DEFINITIONS[entity].columns.map((c) => [c.field, c.type]));
    let line = 0;
    for await (const row of stream.pipe(
      parse({ columns: true, skip_empty_lines: true, trim: true, bom: true }),
    ) as AsyncIterable<Record<string, string>>) {
      line++;
      const record: Record<string, unknown> = {};
      for (const [field, raw] of Object.entries(row)) {
        if (raw === '') continue;
        const type = types.get(field);
        record[field] =
          type === 'text[]'
            ? raw
                .split('|')
                .map((s) => s.trim())
                .filter(Boolean)
            : type === 'integer' || type === 'double precision'
              ? Number(raw)
              : raw;
      }
      yield { line, record };
    }
    return;
  }
  let line = 0;
  for await (const text of createInterface({ input: stream, crlfDelay: Infinity })) {
    line++;
    if (text.trim() === '') continue;
    try {
      yield { line, record: JSON.parse(text) as unknown };
    } catch {
      yield { line, record: Symbol.for('invalid-json') };
    }
  }
}
