import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { MetricsService } from '@app/metrics';
import type { Severity } from './insights.types';

/** Prometheus series of the insights module, on the process registry, tenant label per METRICS_TENANT_LABEL. */
@Injectable()
export class InsightMetricsService {
  private readonly findings: Counter<string>;
  private readonly deliveries: Counter<string>;
  private readonly deadLetters: Counter<string>;

  constructor(private readonly metrics: MetricsService) {
    const tenant = Object.keys(metrics.tenantLabel('00000000-0000-0000-0000-000000000000'));
    const registers = [metrics.registry];
    this.findings = new Counter({
      name: 'pulse_insights_findings_total',
      help: 'New insight findings, by severity and metric',
      labelNames: [...tenant, 'severity', 'metric'],
      registers,
    });
    this.deliveries = new Counter({
      name: 'pulse_insight_webhook_deliveries_total',
      help: 'Insight webhook delivery attempts, by outcome (delivered, failed)',
      labelNames: [...tenant, 'outcome'],
      registers,
    });
    this.deadLetters = new Counter({
      name: 'pulse_insight_webhook_dead_letters_total',
      help: 'Insight alerts given up on after every delivery attempt failed',
      labelNames: [...tenant],
      registers,
    });
  }

  finding(tenantId: string, severity: Severity, metric: string): void {
    this.findings.inc({ ...this.metrics.tenantLabel(tenantId), severity, metric });
  }

  delivery(tenantId: string, outcome: 'delivered' | 'failed'): void {
    this.deliveries.inc({ ...this.metrics.tenantLabel(tenantId), outcome });
  }

  deadLetter(tenantId: string): void {
    this.deadLetters.inc(this.metrics.tenantLabel(tenantId));
  }
}
