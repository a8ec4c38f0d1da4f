/** Queue names; BullMQ keys live under the REDIS_PREFIX. */
export const INSIGHTS_QUEUE = 'insights';
export const INSIGHT_ALERTS_QUEUE = 'insight-alerts';

/** Job names on INSIGHTS_QUEUE. */
export const DETECT_JOB = 'detect';
/** The periodic pass that keeps one repeatable job per tenant and reacts to large ETL changes. */
export const SWEEP_JOB = 'sweep';
/** How often the sweep looks for new tenants and large ETL changes. */
export const SWEEP_INTERVAL_MS = 60_000;

export interface DetectJobData {
  tenantId: string;
  /** What asked for the run (schedule, refresh, etl); for logs only. */
  reason: 'schedule' | 'refresh' | 'etl';
}

export interface AlertJobData {
  tenantId: string;
  insightId: string;
}
