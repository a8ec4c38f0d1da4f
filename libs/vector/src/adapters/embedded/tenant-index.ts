import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Logger } from '@nestjs/common';
import { HierarchicalNSW } from 'hnswlib-node';
import { dot } from '@app/embedding';
import type { CollectionSpec, VectorPayload, VectorSearchHit } from '../../ports/vector-store.port';
import type { NormalizedFilter, ValidPoint } from '../../vector-input';
import { PayloadPostings } from './payload-postings';
import { QuantizedVectors } from './quantized-vectors';
import { WriteAheadLog, type WalRecord } from './write-ahead-log';

export interface TenantIndexOptions {
  dir: string;
  tenantId: string;
  spec: CollectionSpec;
  m: number;
  efConstruction: number;
  efSearch: number;
  initialCapacity: number;
  /** Snapshot once writes have paused this long... */
  snapshotDelayMs: number;
  /** ...or once the oldest unsnapshotted write is this old... */
  snapshotMaxWaitMs: number;
  /** ...or once the log outgrows max(this, half the last snapshot), which bounds write amplification. */
  walMaxBytes: number;
  logger: Logger;
}

interface StoredPoint {
  id: string;
  payload: VectorPayload;
  /** Where its int8 copy lives in `quantized`. */
  slot: number;
}

interface MetaHeader {
  format: 1;
  tenantId: string;
  entity: string;
  model: string;
  dimensions: number;
  nextLabel: number;
  count: number;
}

/**
 * Costs measured here at 384 dimensions, per point: scoring the int8 copy ~0.4 µs, reading a float32 vector
 * back out of hnswlib (getPoint) ~24 µs, visiting a node in a filtered graph search ~1 µs (it calls back into
 * JS). A filtered HNSW search visits about ef / selectivity nodes to fill its beam, so small filtered sets are
 * cheaper to scan, and the scan is exact after rescoring.
 */
const SCAN_US = 0.4;
const READ_US = 24;
const GRAPH_VISIT_US = 1;
/** Candidates the int8 scan passes on for exact rescoring: a margin for its ~1e-3 score error. */
const rescorePool = (k: number) => 2 * k + 10;
/** hnswlib-node labels are uint32. */
const MAX_LABEL = 0xffff_ffff;

const CURRENT = 'CURRENT';
const WAL = 'wal.jsonl';
const INDEX_FILE = 'index.hnsw';
const META_FILE = 'meta.jsonl';
const QUANTIZED_FILE = 'vectors.q8';

async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function normalize(vector: readonly number[]): number[] {
  let norm = 0;
  for (const x of vector) norm += x * x;
  norm = Math.sqrt(norm);
  return vector.map((x) => x / norm);
}

/** The k best [label, score] pairs, best first, without sorting everything. */
function top(items: Iterable<[number, number]>, k: number): [number, number][] {
  const best: [number, number][] = [];
  for (const item of items) {
    if (best.length === k && item[1] <= best[k - 1][1]) continue;
    let i = best.length;
    while (i > 0 && best[i - 1][1] < item[1]) i--;
    best.splice(i, 0, item);
    if (best.length > k) best.pop();
  }
  return best;
}

/**
 * One tenant's points of one collection: an HNSW graph (hnswlib, cosine) plus the payloads, the
 * externalId ↔ label map, payload posting lists and an int8 copy of the vectors beside it. Writes are serialised through one promise chain
 * and logged (fsync) before they are applied; snapshots go to a fresh `snap-<n>` directory and are published by
 * atomically replacing CURRENT, after which the log is emptied. Searches are synchronous and never wait.
 */
export class TenantIndex {
  private readonly labels = new Map<string, number>();
  private readonly points = new Map<number, StoredPoint>();
  private readonly postings = new PayloadPostings();
  private nextLabel = 0;
  /** Deleted slots hnswlib will reuse for new points (allowReplaceDeleted). */
  private freeSlots = 0;
  private generation = 0;
  private snapshotBytes = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private dirtySince: number | undefined;
  private snapshotPending = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  private quantized: QuantizedVectors;

  private constructor(
    private readonly options: TenantIndexOptions,
    private readonly hnsw: HierarchicalNSW,
    private wal: WriteAheadLog | undefined,
  ) {
    this.quantized = new QuantizedVectors(options.spec.dimensions, options.initialCapacity);
  }

  static async open(options: TenantIndexOptions): Promise<TenantIndex> {
    const { dir, spec } = options;
    await mkdir(dir, { recursive: true });
    const generation = Number.parseInt(await readFile(join(dir, CURRENT), 'utf8').catch(() => '0'), 10) || 0;
    const hnsw = new HierarchicalNSW('cosine', spec.dimensions);
    const index = new TenantIndex(options, hnsw, undefined);
    if (generation > 0) {
      await index.loadSnapshot(generation);
    } else {
      hnsw.initIndex({
        maxElements: options.initialCapacity,
        m: options.m,
        efConstruction: options.efConstruction,
        allowReplaceDeleted: true,
      });
    }
    await index.removeStaleFiles();

    const { wal, records } = await WriteAheadLog.open(join(dir, WAL));
    index.wal = wal;
    // Make the (possibly new) directories and log file themselves durable, not only their contents.
    await fsyncPath(dir);
    await fsyncPath(dirname(dir));
    for (const record of records) index.apply(record);
    if (records.length > 0) {
      options.logger.log(`replayed ${records.length} logged writes into ${dir}`);
      index.afterWrite();
    }
    return index;
  }

  upsert(points: readonly ValidPoint[]): Promise<void> {
    return this.write({
      op: 'upsert',
      points: points.map((p) => ({ id: p.id, vector: Float32Array.from(p.vector), payload: p.payload })),
    });
  }

  /** Returns the ids this index does not hold (left alone). */
  setPayload(points: readonly { id: string; payload: VectorPayload }[]): Promise<string[]> {
    return this.exclusive(async () => {
      const present = points.filter((p) => this.labels.has(p.id));
      if (present.length > 0) await this.writeLocked({ op: 'payload', points: [...present] });
      return points.filter((p) => !this.labels.has(p.id)).map((p) => p.id);
    });
  }

  delete(ids: readonly string[]): Promise<void> {
    return this.exclusive(async () => {
      const present = ids.filter((id) => this.labels.has(id));
      if (present.length > 0) await this.writeLocked({ op: 'delete', ids: present });
    });
  }

  deleteByFilter(filter: NormalizedFilter): Promise<void> {
    return this.exclusive(async () => {
      const labels = filter.length === 0 ? [...this.points.keys()] : this.postings.match(filter).labels();
      const ids = labels.map((label) => this.points.get(label)!.id);
      if (ids.length > 0) await this.writeLocked({ op: 'delete', ids });
    });
  }

  count(filter: NormalizedFilter): number {
    return filter.length === 0 ? this.points.size : this.postings.match(filter).labels().length;
  }

  search(query: readonly number[], limit: number, filter: NormalizedFilter): VectorSearchHit[] {
    const live = this.points.size;
    if (live === 0) return [];
    const q = normalize(query);
    let found: [label: number, score: number][];
    if (filter.length === 0) {
      found = this.graphSearch(q, Math.min(limit, live));
    } else {
      const match = this.postings.match(filter);
      if (match.estimate === 0) return [];
      const ef = Math.max(this.options.efSearch, limit);
      const graphCost = Math.min(live, (ef * live) / match.estimate) * GRAPH_VISIT_US;
      const scanCost = match.estimate * SCAN_US + Math.min(match.estimate, rescorePool(limit)) * READ_US;
      found =
        scanCost <= graphCost
          ? this.exactSearch(q, match.labels(), limit)
          : this.graphSearch(q, Math.min(limit, match.estimate, live), match.has);
    }
    return found.map(([label, score]) => {
      const point = this.points.get(label)!;
      return { id: point.id, score, payload: structuredClone(point.payload) };
    });
  }

  /** Writes a snapshot if anything changed, then releases the files. Idempotent. */
  close(): Promise<void> {
    clearTimeout(this.timer);
    return this.exclusive(async () => {
      if (this.closed) return;
      try {
        await this.snapshot();
      } finally {
        this.closed = true;
        await this.wal?.close();
      }
    });
  }

  private graphSearch(q: number[], k: number, filter?: (label: number) => boolean): [number, number][] {
    this.hnsw.setEf(Math.max(this.options.efSearch, k));
    const { neighbors, distances } = this.hnsw.searchKnn(q, k, filter);
    return neighbors.map((label, i) => [label, 1 - distances[i]]);
  }

  private exactSearch(q: number[], labels: readonly number[], k: number): [number, number][] {
    const approximate = top(
      labels.map((label): [number, number] => [label, this.quantized.dot(this.points.get(label)!.slot, q)]),
      rescorePool(k),
    );
    // hnswlib stores unit vectors in cosine space, so the exact score is a dot product.
    return top(
      approximate.map(([label]): [number, number] => [label, dot(q, this.hnsw.getPoint(label))]),
      k,
    );
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private write(record: WalRecord): Promise<void> {
    return this.exclusive(() => this.writeLocked(record));
  }

  private async writeLocked(record: WalRecord): Promise<void> {
    if (this.closed || !this.wal) throw new Error(`vector index ${this.options.dir} is closed`);
    await this.wal.append(record);
    this.apply(record);
    this.afterWrite();
  }

  private apply(record: WalRecord): void {
    switch (record.op) {
      case 'upsert':
        for (const p of record.points) this.applyUpsert(p.id, Array.from(p.vector), p.payload);
        return;
      case 'payload':
        for (const p of record.points) this.applyPayload(p.id, p.payload);
        return;
      case 'delete':
        for (const id of record.ids) this.applyDelete(id);
        return;
    }
  }

  private applyPayload(id: string, payload: VectorPayload): void {
    const label = this.labels.get(id);
    if (label === undefined) return;
    const before = this.points.get(label)!;
    this.postings.remove(label, before.payload);
    this.points.set(label, { ...before, payload });
    this.postings.add(label, payload);
  }

  private applyUpsert(id: string, vector: number[], payload: VectorPayload): void {
    const unit = normalize(vector);
    const existing = this.labels.get(id);
    if (existing !== undefined) {
      // A live label: hnswlib updates the vector in place and repairs its links.
      this.hnsw.addPoint(vector, existing);
      const before = this.points.get(existing)!;
      this.postings.remove(existing, before.payload);
      this.quantized.set(before.slot, unit);
      this.points.set(existing, { id, payload, slot: before.slot });
      this.postings.add(existing, payload);
      return;
    }
    if (this.nextLabel >= MAX_LABEL) throw new Error(`vector index ${this.options.dir} ran out of labels`);
    const label = this.nextLabel++;
    if (this.freeSlots === 0) {
      const capacity = this.hnsw.getMaxElements();
      if (this.hnsw.getCurrentCount() >= capacity) {
        this.hnsw.resizeIndex(capacity + Math.max(this.options.initialCapacity, Math.ceil(capacity / 2)));
      }
    }
    // Always a fresh label, so replaceDeleted never meets a deleted label of ours; it reuses a deleted slot.
    this.hnsw.addPoint(vector, label, true);
    if (this.freeSlots > 0) this.freeSlots--;
    this.labels.set(id, label);
    this.points.set(label, { id, payload, slot: this.quantized.add(unit) });
    this.postings.add(label, payload);
  }

  private applyDelete(id: string): void {
    const label = this.labels.get(id);
    if (label === undefined) return;
    this.hnsw.markDelete(label);
    this.freeSlots++;
    const point = this.points.get(label)!;
    this.postings.remove(label, point.payload);
    this.quantized.release(point.slot);
    this.points.delete(label);
    this.labels.delete(id);
  }

  private afterWrite(): void {
    const now = Date.now();
    this.dirtySince ??= now;
    if (this.snapshotPending) return;
    clearTimeout(this.timer);
    const walLimit = Math.max(this.options.walMaxBytes, this.snapshotBytes / 2);
    const delay =
      this.wal && this.wal.bytes >= walLimit
        ? 0
        : Math.max(
            0,
            Math.min(this.options.snapshotDelayMs, this.dirtySince + this.options.snapshotMaxWaitMs - now),
          );
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.snapshotPending = true;
      this.exclusive(() => this.snapshot())
        .catch((err: unknown) => {
          // Nothing is lost: the log still holds every write; the next write re-arms the timer.
          this.options.logger.error(`snapshot of ${this.options.dir} failed: ${String(err)}`);
        })
        .finally(() => {
          this.snapshotPending = false;
        });
    }, delay);
    this.timer.unref();
  }

  private async snapshot(): Promise<void> {
    if (this.dirtySince === undefined || this.closed || !this.wal) return;
    const { dir } = this.options;
    const generation = this.generation + 1;
    const snapDir = join(dir, `snap-${generation}`);
    await rm(snapDir, { recursive: true, force: true });
    await mkdir(snapDir);
    const indexPath = join(snapDir, INDEX_FILE);
    await this.hnsw.writeIndex(indexPath);
    await fsyncPath(indexPath);
    await this.writeMeta(join(snapDir, META_FILE));
    const quantizedPath = join(snapDir, QUANTIZED_FILE);
    const qfh = await open(quantizedPath, 'w');
    try {
      // Same order as the metadata lines: loading gives the i-th point slot i.
      await qfh.writeFile(
        this.quantized.serialize(
          [...this.points.values()].map((p) => p.slot),
          this.points.size,
        ),
      );
      await qfh.sync();
    } finally {
      await qfh.close();
    }
    await fsyncPath(snapDir);

    const tmp = join(dir, `${CURRENT}.tmp`);
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(`${generation}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, join(dir, CURRENT));
    await fsyncPath(dir);
    // Published: the log's writes are all in the snapshot now.
    await this.wal.reset();

    const previous = this.generation;
    this.generation = generation;
    this.dirtySince = undefined;
    this.snapshotBytes = await this.snapshotSize(snapDir);
    if (previous > 0) await rm(join(dir, `snap-${previous}`), { recursive: true, force: true });
  }

  private async writeMeta(path: string): Promise<void> {
    const { tenantId, spec } = this.options;
    const header: MetaHeader = {
      format: 1,
      tenantId,
      entity: spec.entity,
      model: spec.model,
      dimensions: spec.dimensions,
      nextLabel: this.nextLabel,
      count: this.points.size,
    };
    const fh = await open(path, 'w');
    try {
      let chunk = `${JSON.stringify(header)}\n`;
      for (const [label, point] of this.points) {
        chunk += `${JSON.stringify([label, point.id, point.payload])}\n`;
        if (chunk.length >= 1 << 20) {
          await fh.write(chunk);
          chunk = '';
        }
      }
      await fh.write(chunk);
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  private async loadSnapshot(generation: number): Promise<void> {
    const { dir, tenantId, spec } = this.options;
    const snapDir = join(dir, `snap-${generation}`);
    const corrupt = (why: string) => new Error(`vector snapshot ${snapDir} is unusable: ${why}`);
    await this.hnsw.readIndex(join(snapDir, INDEX_FILE), true);

    const lines = createInterface({ input: createReadStream(join(snapDir, META_FILE)), crlfDelay: Infinity });
    let header: MetaHeader | undefined;
    let count = 0;
    for await (const line of lines) {
      if (!header) {
        header = JSON.parse(line) as MetaHeader;
        // Defence in depth: a directory moved or copied to the wrong place must not serve another tenant.
        if (
          header.format !== 1 ||
          header.tenantId !== tenantId ||
          header.entity !== spec.entity ||
          header.model !== spec.model ||
          header.dimensions !== spec.dimensions
        ) {
          throw corrupt('it belongs to another tenant or collection');
        }
        continue;
      }
      if (line.length === 0) continue;
      const [label, id, payload] = JSON.parse(line) as [number, string, VectorPayload];
      this.labels.set(id, label);
      this.points.set(label, { id, payload, slot: count });
      this.postings.add(label, payload);
      count++;
    }
    if (!header || count !== header.count) throw corrupt('metadata is incomplete');
    this.quantized = QuantizedVectors.deserialize(
      spec.dimensions,
      await readFile(join(snapDir, QUANTIZED_FILE)),
      this.options.initialCapacity,
    );
    if (this.quantized.size !== count) throw corrupt('quantized vectors do not match the metadata');
    this.nextLabel = header.nextLabel;
    this.freeSlots = this.hnsw.getCurrentCount() - this.points.size;
    this.generation = generation;
    this.snapshotBytes = await this.snapshotSize(snapDir);
  }

  private async snapshotSize(snapDir: string): Promise<number> {
    let bytes = 0;
    for (const file of [INDEX_FILE, META_FILE, QUANTIZED_FILE])
      bytes += (await stat(join(snapDir, file))).size;
    return bytes;
  }

  /** Snapshots a crash left half-written, and superseded ones a crash kept from being removed. */
  private async removeStaleFiles(): Promise<void> {
    for (const name of await readdir(this.options.dir)) {
      if ((name.startsWith('snap-') && name !== `snap-${this.generation}`) || name === `${CURRENT}.tmp`) {
        await rm(join(this.options.dir, name), { recursive: true, force: true });
      }
    }
  }
}
