import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { MetricsService } from './metrics.service';

/** Label for requests that matched no route: their raw URLs are unbounded (scanners, typos). */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Times every HTTP response with a Fastify onResponse hook, labelled by route template (`/v1/etl/:entity/records`,
 * never the raw URL). A hook, unlike an interceptor, also sees 404s, guard rejections and body-parser errors.
 * Registers itself when the app has a Fastify HTTP adapter; worker processes have none and skip it.
 */
@Injectable()
export class HttpMetricsHook implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    const instance = this.adapterHost.httpAdapter?.getInstance<FastifyInstance | undefined>();
    if (typeof instance?.addHook !== 'function') return;
    instance.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
      this.metrics.recordHttp(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
  }
}
