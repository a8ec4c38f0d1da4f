import DataLoader from 'dataloader';

/**
 * Coalesces what one turn of the event loop asks for into one call of `batch`: under load, one round trip serves
 * every request that reached this point in the same turn instead of one round trip each. Nothing is cached or
 * shared across turns, so every load is answered by a batch that started after it was asked (a read still sees
 * every write committed before it). `batch` answers each key in order, with an Error for a key that failed.
 */
export function batchPerTurn<K, V>(
  batch: (keys: readonly K[]) => Promise<readonly (V | Error)[]>,
  maxBatchSize = 500,
): DataLoader<K, V, K> {
  // setImmediate, not DataLoader's default (after the current tick's promises): requests arrive in separate I/O
  // callbacks of the same poll phase, and only the check phase that follows it sees them all.
  return new DataLoader<K, V, K>(batch, {
    cache: false,
    maxBatchSize,
    batchScheduleFn: (run) => setImmediate(run),
  });
}
