import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { MetricsService } from '@app/metrics';
import type { RouteClass } from './route-class';

/** Throttling counters in the process's Prometheus registry, tenant-labelled per METRICS_TENANT_LABEL. */
@Injectable()
export class ThrottlingMetrics {
  private readonly throttledTotal: Counter<string>;
  private readonly queuedTotal: Counter<string>;
  private readonly waiting: Gauge<string>;

  constructor(private readonly metrics: MetricsService) {
    const tenant = Object.keys(metrics.tenantLabel('-'));
    this.throttledTotal = new Counter({
      name: 'pulse_throttled_requests_total',
      help: 'Requests refused with 429 by the per-tenant rate limits, by route class',
      labelNames: [...tenant, 'route_class'],
      registers: [metrics.registry],
    });
    this.queuedTotal = new Counter({
      name: 'pulse_queued_requests_total',
      help: 'Requests that waited for a fair-share slot (per-tenant concurrency cap), by route class',
      labelNames: [...tenant, 'route_class'],
      registers: [metrics.registry],
    });
    this.waiting = new Gauge({
      name: 'pulse_waiting_requests',
      help: 'Requests waiting for a fair-share slot in this process now, by route class',
      labelNames: [...tenant, 'route_class'],
      registers: [metrics.registry],
    });
  }

  /** A request starts waiting; the returned function records the end of its wait. */
  queued(routeClass: RouteClass, tenantId: string | undefined): () => void {
    const labels = { ...this.metrics.tenantLabel(tenantId ?? 'admin'), route_class: routeClass };
    this.queuedTotal.inc(labels);
    this.waiting.inc(labels);
    return () => this.waiting.dec(labels);
  }

  throttled(routeClass: RouteClass, tenantId: string | undefined): void {
    // The admin token has no tenant: it is counted under the label value the word 'admin' gets.
    this.throttledTotal.inc({ ...this.metrics.tenantLabel(tenantId ?? 'admin'), route_class: routeClass });
  }
}
