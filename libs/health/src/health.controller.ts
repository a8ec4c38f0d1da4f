import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { withTimeout } from '@app/common';
import type { FastifyReply } from 'fastify';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { ReadinessRegistry } from './readiness.registry';

/** A check that has not answered within this time counts as down (a hung dependency must not hang the probe). */
const CHECK_TIMEOUT_MS = 1500;

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly registry: ReadinessRegistry,
  ) {}

  /** 200 while the process runs: Kubernetes restarts the pod only when this fails. */
  @Get('live')
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: { status: { type: 'string', enum: ['ok'] } },
      required: ['status'],
    },
  })
  live() {
    return { status: 'ok' };
  }

  /**
   * 200 when every dependency this process needs is usable, else 503. Both carry Terminus's body with one
   * entry per dependency (the documented exception to the error shape: probes and people read it as is).
   */
  @Get('ready')
  @HealthCheck()
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    try {
      return await this.check();
    } catch (err) {
      if (!(err instanceof ServiceUnavailableException)) throw err;
      void reply.status(503);
      return err.getResponse();
    }
  }

  private check() {
    return this.health.check(
      this.registry.entries().map(([name, check]) => async () => {
        const indicator = this.indicators.check(name);
        try {
          const result = await withTimeout(check(), CHECK_TIMEOUT_MS, name);
          const { up, ...details } = typeof result === 'boolean' ? { up: result } : result;
          return up ? indicator.up(details) : indicator.down(details);
        } catch (err) {
          return indicator.down({ message: err instanceof Error ? err.message : String(err) });
        }
      }),
    );
  }
}
