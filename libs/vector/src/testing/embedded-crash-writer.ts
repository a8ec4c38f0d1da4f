/**
 * Child process for the embedded store's crash test: writes batches of 10 points for `tenant` under
 * `dataDir` and prints `acked <n>` once batch n is acknowledged, until the test kills it with SIGKILL
 * (no shutdown hook runs, so only what the store made durable before acknowledging survives).
 * Usage: node -r @swc-node/register embedded-crash-writer.ts <dataDir> <tenant>
 */
import { EmbeddedVectorStoreAdapter } from '../adapters/embedded-vector-store.adapter';
import { crashSpec, crashPoint } from './embedded-crash-fixtures';

async function main(): Promise<void> {
  const [dataDir, tenant] = process.argv.slice(2);
  const store = new EmbeddedVectorStoreAdapter({
    dataDir,
    hnsw: { m: 16, efConstruction: 100, efSearch: 64 },
    // Snapshot often, so the kill can land before, during or after one.
    snapshotDelayMs: 5,
    snapshotMaxWaitMs: 20,
    initialCapacity: 16,
  });
  for (let batch = 0; ; batch++) {
    const points = Array.from({ length: 10 }, (_, i) => crashPoint(batch * 10 + i));
    await store.upsert(tenant, crashSpec, points);
    process.stdout.write(`acked ${batch}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
