import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { MetricsService } from '@app/metrics';
import type { RouteClass } from './route-class';

/** Throttling counters in the process's Prometheus registry, tenant-labelled per METRICS_TENANT_LABEL. */
@Injectable()
export class ThrottlingMetrics {
  private readonly throttledTotal: Counter<string>;

  constructor(private readonly metrics: MetricsService) {
    const tenant = Object.keys(metrics.tenantLabel('-'));
    this.throttledTotal = new Counter({
      name: 'pulse_throttled_requests_total',
      help: 'Requests refused with 429 by the per-tenant rate limits, by route class',
      labelNames: [...tenant, 'route_class'],
      registers: [metrics.registry],
    });
  }

  throttled(routeClass: RouteClass, tenantId: string | undefined): void {
    // The admin token has no tenant: it is counted under the label value the word 'admin' gets.
    this.throttledTotal.inc({ ...this.metrics.tenantLabel(tenantId ?? 'admin'), route_class: routeClass });
  }
}
