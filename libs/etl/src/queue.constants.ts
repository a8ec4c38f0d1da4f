import type { Entity } from '@app/common';

/** Queue names; BullMQ keys live under the REDIS_PREFIX. */
export const BACKFILL_QUEUE = 'backfill';

/** Records per vectorize batch: one embedding batch, so another tenant waits at most one batch (fairness). */
export const VECTORIZE_JOB_SIZE = 32;

export interface BackfillJobData {
  /** Absent: every tenant (the periodic reconciler). */
  tenantId?: string;
  entities: Entity[];
  /**
   * Both re-embed records whose vector is missing (in the database's view or the store's), outdated or from
   * another model. `stale` (a tenant's backfill) also retries failed records; `reconcile` (the periodic pass)
   * leaves failed records alone and skips records young enough to still be in the change outbox.
   */
  mode: 'stale' | 'reconcile';
}
