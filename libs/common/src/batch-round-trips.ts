import DataLoader from 'dataloader';

export interface BatchRoundTripsOptions {
  maxBatchSize?: number;
  /**
   * Batches out at once. 1 (the default) keeps writes in order: a later write of the same key lands last. Reads
   * may overlap a second batch with the first, so the server is not left idle while every request waits on one.
   */
  inFlight?: number;
}

/**
 * Coalesces round trips the way a database coalesces commits: while a batch is out (`inFlight` of them), what is
 * asked meanwhile waits and goes out as the next batch, the moment one is answered. Under load one round trip then
 * serves every request that reached this point during the previous one; when idle a load goes out at the end of
 * its turn. Nothing is cached or shared between batches, and a batch only ever starts after each of its loads was
 * asked, so a read still sees every write committed before it was made. Batches start in order. `batch` answers
 * each key in order, with an Error for a key that failed.
 */
export function batchRoundTrips<K, V>(
  batch: (keys: readonly K[]) => Promise<readonly (V | Error)[]>,
  { maxBatchSize = 500, inFlight = 1 }: BatchRoundTripsOptions = {},
): DataLoader<K, V, K> {
  const queued: (() => void)[] = [];
  let out = 0;
  const startWhatFits = () => {
    while (out < inFlight && queued.length > 0) {
      out++;
      // setImmediate, not DataLoader's default (after the current tick's promises): requests arrive in separate
      // I/O callbacks of the same poll phase, and only the check phase that follows it sees them all.
      setImmediate(queued.shift()!);
    }
  };
  return new DataLoader<K, V, K>(
    async (keys) => {
      try {
        return await batch(keys);
      } finally {
        out--;
        startWhatFits();
      }
    },
    {
      cache: false,
      maxBatchSize,
      batchScheduleFn: (run) => {
        queued.push(run);
        startWhatFits();
      },
    },
  );
}
