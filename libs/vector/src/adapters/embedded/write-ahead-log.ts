import { open, type FileHandle } from 'node:fs/promises';
import type { VectorPayload } from '../../ports/vector-store.port';

export type WalRecord =
  | { op: 'upsert'; points: { id: string; vector: Float32Array; payload: VectorPayload }[] }
  | { op: 'payload'; points: { id: string; payload: VectorPayload }[] }
  | { op: 'delete'; ids: string[] };

type WalLine =
  | { op: 'u'; p: [string, string, VectorPayload][] }
  | { op: 'p'; p: [string, VectorPayload][] }
  | { op: 'd'; ids: string[] };

function encode(record: WalRecord): string {
  const line: WalLine =
    record.op === 'payload'
      ? { op: 'p', p: record.points.map((p) => [p.id, p.payload]) }
      : record.op === 'upsert'
        ? {
            op: 'u',
            // Raw float32 bytes in base64: exact, and ~2.5x smaller and faster than JSON numbers.
            p: record.points.map((p) => [
              p.id,
              Buffer.from(p.vector.buffer, p.vector.byteOffset, p.vector.byteLength).toString('base64'),
              p.payload,
            ]),
          }
        : { op: 'd', ids: record.ids };
  return `${JSON.stringify(line)}\n`;
}

function decode(text: string): WalRecord {
  const line = JSON.parse(text) as WalLine;
  if (line.op === 'd') return { op: 'delete', ids: line.ids };
  if (line.op === 'p') return { op: 'payload', points: line.p.map(([id, payload]) => ({ id, payload })) };
  if (line.op === 'u') {
    return {
      op: 'upsert',
      points: line.p.map(([id, b64, payload]) => {
        const bytes = Buffer.from(b64, 'base64');
        // Copy into a fresh, aligned buffer: a Buffer view may start at any byte offset.
        const vector = new Float32Array(bytes.byteLength / 4);
        new Uint8Array(vector.buffer).set(bytes);
        return { id, vector, payload };
      }),
    };
  }
  throw new Error(`unknown WAL op ${JSON.stringify((line as { op: unknown }).op)}`);
}

/**
 * Append-only log (JSON lines) of the writes since the last snapshot. A write is acknowledged only after its
 * line is fsync'd, so a crash loses nothing acknowledged; replaying is idempotent (upsert replaces, delete of a
 * missing id is a no-op), so a crash between snapshot and truncation is harmless too.
 */
export class WriteAheadLog {
  private constructor(
    private readonly path: string,
    private handle: FileHandle,
    private size: number,
  ) {}

  /**
   * Opens (creating if needed) and returns the records to replay. A last line without its newline is a write
   * that crashed before being acknowledged: it is cut off so later appends start on a clean line.
   */
  static async open(path: string): Promise<{ wal: WriteAheadLog; records: WalRecord[] }> {
    const handle = await open(path, 'a+');
    try {
      const buf = await handle.readFile();
      const records: WalRecord[] = [];
      let start = 0;
      let lineNo = 0;
      for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
        lineNo++;
        const text = buf.toString('utf8', start, nl);
        try {
          records.push(decode(text));
        } catch (err) {
          throw new Error(`write-ahead log ${path} is corrupt at line ${lineNo}: ${String(err)}`);
        }
        start = nl + 1;
      }
      if (start < buf.length) {
        await handle.truncate(start);
        await handle.sync();
      }
      return { wal: new WriteAheadLog(path, handle, start), records };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  get bytes(): number {
    return this.size;
  }

  async append(record: WalRecord): Promise<void> {
    const data = Buffer.from(encode(record), 'utf8');
    try {
      await this.handle.write(data, 0, data.length, this.size);
      await this.handle.datasync();
      this.size += data.length;
    } catch (err) {
      // Drop a partial line so the next append does not glue onto it.
      await this.handle.truncate(this.size).catch(() => undefined);
      throw err;
    }
  }

  /** Called once a snapshot holds everything logged so far. */
  async reset(): Promise<void> {
    await this.handle.truncate(0);
    await this.handle.sync();
    this.size = 0;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  toString(): string {
    return this.path;
  }
}
