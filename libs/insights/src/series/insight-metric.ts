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
}

/**
 * The metrics watched for every tenant, all defined by the semantic model (libs/ai/semantic-model.yaml); a
 * metric whose measure the loaded model lacks is skipped at boot. MTTR, WIP and aging WIP have no measure there
 * yet (docs/insights.md).
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
];

export const INSIGHT_METRIC_IDS = INSIGHT_METRICS.map((m) => m.id);
