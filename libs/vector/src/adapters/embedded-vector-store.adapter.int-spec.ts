import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { ErrorCode } from '@app/common';
import type { CollectionSpec } from '../ports/vector-store.port';
import { crashPoint, crashSpec } from '../testing/embedded-crash-fixtures';
import { vectorStoreContract } from '../testing/vector-store.contract';
import { EmbeddedVectorStoreAdapter, type EmbeddedVectorStoreOptions } from './embedded-vector-store.adapter';

const hnsw = { m: 16, efConstruction: 100, efSearch: 64 };

function openStore(
  dataDir: string,
  extra: Partial<EmbeddedVectorStoreOptions> = {},
): EmbeddedVectorStoreAdapter {
  // Tiny initial capacity and fast snapshots, so tests exercise growth and snapshot + log replay together.
  return new EmbeddedVectorStoreAdapter({ dataDir, hnsw, initialCapacity: 8, snapshotDelayMs: 20, ...extra });
}

const tempDirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pulse-vector-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
});

vectorStoreContract('embedded (hnswlib)', async () => {
  const dir = await tempDir();
  let store = openStore(dir);
  return {
    store,
    restart: async () => {
      await store.onModuleDestroy();
      store = openStore(dir);
      return store;
    },
    close: () => store.onModuleDestroy(),
  };
});

describe('EmbeddedVectorStoreAdapter durability', () => {
  const spec: CollectionSpec = { entity: 'work_items', model: 'durability', dimensions: 4 };

  it('keeps every acknowledged point when the process is killed without shutting down', async () => {
    const dir = await tempDir();
    const tenant = randomUUID();
    const root = resolve(__dirname, '../../../..');
    const child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', join(__dirname, '../testing/embedded-crash-writer.ts'), dir, tenant],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    let acked = -1;
    // Read to the end of the pipe: on a loaded machine the child acknowledges more batches between
    // the line that triggers the kill and the kill itself, and those are acknowledged too.
    for await (const line of createInterface({ input: child.stdout })) {
      const m = /^acked (\d+)$/.exec(line);
      if (m) acked = Number(m[1]);
      // Kill mid-stream, while the child is still writing and snapshotting.
      if (acked >= 40 && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    }
    await exited;
    expect(stderr).toBe('');
    expect(acked).toBeGreaterThanOrEqual(40);
    // A crash in the middle of an append leaves a torn last line; it was never acknowledged.
    const collectionDir = join(
      dir,
      'vector',
      (await readdir(join(dir, 'vector'))).find((n) => n !== 'LOCK')!,
    );
    const tenantDir = join(collectionDir, (await readdir(collectionDir))[0]);
    await appendFile(join(tenantDir, 'wal.jsonl'), '{"op":"u","p":[["torn-wri');

    let store = openStore(dir);
    try {
      const ackedPoints = (acked + 1) * 10;
      // At least the acknowledged points; possibly the batch in flight, which was logged but not yet acknowledged.
      const count = await store.count(tenant, crashSpec);
      expect(count).toBeGreaterThanOrEqual(ackedPoints);
      expect(count).toBeLessThanOrEqual(ackedPoints + 10);
      for (const n of [0, 7, 133, ackedPoints - 1]) {
        const p = crashPoint(n);
        const [best] = await store.search(tenant, crashSpec, p.vector, { limit: 1 });
        expect(best).toMatchObject({ id: p.id, payload: p.payload });
      }
      expect(await store.count(tenant, crashSpec, { status: 'done' })).toBe(Math.floor(count / 2));

      // Writes after recovery land on a clean log and survive the next restart.
      await store.upsert(tenant, crashSpec, [crashPoint(100_000)]);
      await store.onModuleDestroy();
      store = openStore(dir);
      expect(await store.count(tenant, crashSpec)).toBe(count + 1);
    } finally {
      await store.onModuleDestroy();
    }
  }, 60_000);

  it('refuses a second store over the same data directory while the first is open', async () => {
    const dir = await tempDir();
    const first = openStore(dir);
    const second = openStore(dir);
    try {
      await first.upsert('t1', spec, [{ id: 'a', vector: [1, 0, 0, 0], payload: {} }]);
      await expect(second.count('t1', spec)).rejects.toMatchObject({
        code: ErrorCode.DEPENDENCY_UNAVAILABLE,
      });
      expect(await second.health()).toMatchObject({ store: 'embedded', up: false });
      expect(await first.health()).toEqual({ store: 'embedded', up: true });

      await first.onModuleDestroy();
      expect(await second.count('t1', spec)).toBe(1);
    } finally {
      await first.onModuleDestroy();
      await second.onModuleDestroy();
    }
  });

  it('answers DEPENDENCY_UNAVAILABLE after shutdown', async () => {
    const store = openStore(await tempDir());
    await store.onModuleDestroy();
    await expect(store.search('t1', spec, [1, 0, 0, 0], { limit: 1 })).rejects.toMatchObject({
      code: ErrorCode.DEPENDENCY_UNAVAILABLE,
    });
  });

  it('reuses deleted slots and grows past its initial capacity', async () => {
    const dir = await tempDir();
    const store = openStore(dir);
    const tenant = 'Tenant/With Odd Chars';
    const vec = (i: number) => [Math.cos(i), Math.sin(i), Math.cos(i / 3), 1];
    try {
      await store.upsert(
        tenant,
        spec,
        Array.from({ length: 50 }, (_, i) => ({ id: `p${i}`, vector: vec(i), payload: { i } })),
      );
      await store.delete(
        tenant,
        spec,
        Array.from({ length: 25 }, (_, i) => `p${i}`),
      );
      await store.upsert(
        tenant,
        spec,
        Array.from({ length: 40 }, (_, i) => ({ id: `q${i}`, vector: vec(100 + i), payload: { i } })),
      );
      expect(await store.count(tenant, spec)).toBe(65);
      for (const [id, v] of [
        ['p30', vec(30)],
        ['q39', vec(139)],
      ] as const) {
        expect((await store.search(tenant, spec, v, { limit: 1 }))[0].id).toBe(id);
      }
      const all = await store.search(tenant, spec, vec(3), { limit: 100 });
      expect(all).toHaveLength(65);
      expect(all.map((h) => h.id)).not.toContain('p3');
    } finally {
      await store.onModuleDestroy();
    }
  });
});
