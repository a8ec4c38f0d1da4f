import type { Entity } from '@app/common';

/** Queue names; BullMQ keys live under the REDIS_PREFIX. */
export const VECTORIZE_QUEUE = 'vectorize';
export const BACKFILL_QUEUE = 'backfill';

/** Records per vectorize job: one embedding batch, so another tenant waits at most one batch (fairness). */
export const VECTORIZE_JOB_SIZE = 32;

export interface VectorizeJobData {
  tenantId: string;
  entity: Entity;
  externalIds: string[];
  /** Milliseconds since epoch when the records were accepted (for lag metrics). */
  enqueuedAt: number;
}

export interface BackfillJobData {
  /** Absent: every tenant (the periodic reconciler). */
  tenantId?: string;
  entities: Entity[];
  /**
   * Both re-embed records whose vector is missing (in the database's view or the store's), outdated or from
   * another model. `stale` (a tenant's backfill) also retries failed records; `reconcile` (the periodic pass)
   * leaves failed records alone and skips records young enough to still be in the real-time queue.
   */
  mode: 'stale' | 'reconcile';
}
