import DataLoader from 'dataloader';

/**
 * Coalesces round trips the way a database coalesces commits: while one batch is out, what is asked meanwhile
 * waits and goes out as the next batch, the moment that one is answered. Under load one round trip then serves
 * every request that reached this point during the previous one; when idle a load goes out at the end of its
 * turn. Nothing is cached or shared between batches, and a batch only ever starts after each of its loads was
 * asked, so a read still sees every write committed before it was made. Batches go out in order, one at a time:
 * a later write of the same key lands last. `batch` answers each key in order, with an Error for a key that
 * failed.
 */
export function batchRoundTrips<K, V>(
  batch: (keys: readonly K[]) => Promise<readonly (V | Error)[]>,
  maxBatchSize = 500,
): DataLoader<K, V, K> {
  const queued: (() => void)[] = [];
  let busy = false;
  const runNext = () => {
    const run = queued.shift();
    busy = run !== undefined;
    // setImmediate, not DataLoader's default (after the current tick's promises): requests arrive in separate I/O
    // callbacks of the same poll phase, and only the check phase that follows it sees them all.
    if (run) setImmediate(run);
  };
  return new DataLoader<K, V, K>(
    async (keys) => {
      try {
        return await batch(keys);
      } finally {
        runNext();
      }
    },
    {
      cache: false,
      maxBatchSize,
      batchScheduleFn: (run) => {
        queued.push(run);
        if (!busy) runNext();
      },
    },
  );
}
