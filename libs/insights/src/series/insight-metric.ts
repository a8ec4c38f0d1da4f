import type { PlanAggregation } from '@app/ai';
import type { Grain, MetricKind } from '../insights.types';

/** One watched metric: a measure of the semantic model, how it is aggregated and how it reads in a sentence. */
export interface InsightMetric {
  id: string;
  /** Sentence-initial label: "Change failure rate". */
  label: string;
  /** Measure key in the semantic model. */
  measure: string;
  aggregation: PlanAggregation;
  percentile: number | null;
  kind: MetricKind;
  grains: Grain[];
  /** Unit word after durations and sizes ("hours", "lines"). */
  unit?: string;
  /** The events behind a value: "production deployments", "items resolved". */
  volumeNoun: string;
  /** Rates only: what the numerator's events did ("failed or were rolled back"). */
  numeratorPhrase?: string;
  /** Whether per-dimension-value series are built (on the entity's location dimension). */
  perDimension: boolean;
  /**
   * A measure known for now only (the semantic model's `snapshot: true`: WIP and its age). Its series is built
   * from the readings each detection run records (insight_snapshots), not from past periods of the data.
   */
  snapshot?: boolean;
}

/**
 * The metrics watched for every tenant, all defined by the semantic model (libs/ai/semantic-model.yaml); a
 * metric whose measure the loaded model lacks is skipped at boot. WIP and aging WIP are snapshots of now in the
 * model (the data keeps no status history): their series are the readings recorded at every run (docs/insights.md).
 */
export const INSIGHT_METRICS: readonly InsightMetric[] = [
  {
    id: 'deployment_frequency',
    label: 'Deployment frequency',
    measure: 'deployment_frequency',
    aggregation: 'count',
    percentile: null,
    kind: 'count',
    grains: ['day', 'week'],
    volumeNoun: 'successful production deployments',
    perDimension: true,
  },
  {
    id: 'change_failure_rate',
    label: 'Change failure rate',
    measure: 'change_failure_rate',
    aggregation: 'ratio',
    percentile: null,
    kind: 'rate',
    grains: ['week'],
    volumeNoun: 'production deployments',
    numeratorPhrase: 'failed or were rolled back',
    perDimension: true,
  },
  {
    id: 'throughput',
    label: 'Throughput',
    measure: 'throughput',
    aggregation: 'count',
    percentile: null,
    kind: 'count',
    grains: ['day', 'week'],
    volumeNoun: 'items resolved',
    perDimension: true,
  },
  {
    id: 'merged_pr_throughput',
    label: 'Merged pull requests',
    measure: 'merged_pr_throughput',
    aggregation: 'count',
    percentile: null,
    kind: 'count',
    grains: ['day', 'week'],
    volumeNoun: 'pull requests merged',
    perDimension: true,
  },
  {
    id: 'cycle_time_median',
    label: 'Median cycle time',
    measure: 'cycle_time',
    aggregation: 'median',
    percentile: null,
    kind: 'duration',
    grains: ['week'],
    unit: 'hours',
    volumeNoun: 'items resolved',
    perDimension: true,
  },
  {
    id: 'cycle_time_p90',
    label: 'p90 cycle time',
    measure: 'cycle_time',
    aggregation: 'percentile',
    percentile: 0.9,
    kind: 'duration',
    grains: ['week'],
    unit: 'hours',
    volumeNoun: 'items resolved',
    perDimension: false,
  },
  {
    id: 'time_to_merge_median',
    label: 'Median time to merge',
    measure: 'time_to_merge',
    aggregation: 'median',
    percentile: null,
    kind: 'duration',
    grains: ['week'],
    unit: 'hours',
    volumeNoun: 'pull requests merged',
    perDimension: true,
  },
  {
    id: 'time_to_restore_median',
    label: 'Median time to restore',
    measure: 'time_to_restore',
    aggregation: 'median',
    percentile: null,
    kind: 'duration',
    grains: ['week'],
    unit: 'hours',
    volumeNoun: 'failed or rolled-back production deployments restored',
    perDimension: true,
  },
  {
    id: 'pr_size_median',
    label: 'Median pull request size',
    measure: 'pr_size',
    aggregation: 'median',
    percentile: null,
    kind: 'size',
    grains: ['week'],
    unit: 'lines',
    volumeNoun: 'pull requests opened',
    perDimension: true,
  },
  {
    id: 'wip',
    label: 'Work in progress',
    measure: 'work_in_progress',
    aggregation: 'count',
    percentile: null,
    kind: 'level',
    grains: ['day', 'week'],
    unit: 'items',
    volumeNoun: 'items in progress',
    perDimension: true,
    snapshot: true,
  },
  {
    id: 'aging_wip_median',
    label: 'Median age of work in progress',
    measure: 'aging_wip',
    aggregation: 'median',
    percentile: null,
    kind: 'duration',
    grains: ['day', 'week'],
    unit: 'days',
    volumeNoun: 'items in progress',
    perDimension: true,
    snapshot: true,
  },
];

export const INSIGHT_METRIC_IDS = INSIGHT_METRICS.map((m) => m.id);
