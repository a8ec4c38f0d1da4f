import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AiModule } from '@app/ai';
import { AppConfig, ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { EtlModule } from '@app/etl';
import { HealthModule } from '@app/health';
import { InsightsModule } from '@app/insights';
import { IntegrationsModule } from '@app/integrations';
import { MetricsModule } from '@app/metrics';
import { TenancyModule } from '@app/tenancy';
import { ThrottlingModule } from '@app/throttling';
import { ErrorFilter } from './http/error.filter';
import { AppValidationPipe } from './http/validation.pipe';
import { LoggingModule } from './http/logging';

/**
 * One deployable whose role comes from PROCESS_ROLE: `api` serves HTTP, `worker` runs the queues (its HTTP
 * listener serves the health and metrics endpoints for its probes), `all` does both in one process.
 * Tenancy is loaded in every role: its global guard is what protects any route a module registers.
 */
@Module({})
export class AppModule {
  static forConfig(config: AppConfig): DynamicModule {
    const { runsHttp, runsWorkers } = config.server;
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule,
        DatabaseModule,
        HealthModule,
        MetricsModule,
        TenancyModule,
        ThrottlingModule,
        IntegrationsModule,
        EtlModule.forRole({ http: runsHttp, workers: runsWorkers }),
        InsightsModule.forRole({ http: runsHttp, workers: runsWorkers }),
        AiModule.forRole({ http: runsHttp, workers: runsWorkers }),
      ],
      providers: [
        { provide: APP_FILTER, useClass: ErrorFilter },
        { provide: APP_PIPE, useClass: AppValidationPipe },
      ],
    };
  }
}
