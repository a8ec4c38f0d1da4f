import { DynamicModule, Module, type Type } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { ClsModule } from 'nestjs-cls';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig, ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { HealthModule } from '@app/health';
import { IntegrationsModule } from '@app/integrations';
import { TenancyModule } from '@app/tenancy';
import { ErrorFilter } from './http/error.filter';
import { AppValidationPipe } from './http/validation.pipe';
import { loggerOptions } from './http/logger.options';

export type ProcessRole = 'all' | 'api' | 'worker';

/**
 * One deployable whose role comes from PROCESS_ROLE: `api` serves HTTP, `worker` runs the queues (with health
 * and metrics endpoints for its probes), `all` does both in one process.
 */
@Module({})
export class AppModule {
  static forConfig(config: AppConfig): DynamicModule {
    const role: ProcessRole = config.server.role;
    const api: Type[] = [TenancyModule, IntegrationsModule];
    const worker: Type[] = [];
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        ClsModule.forRoot({ global: true, middleware: { mount: true, generateId: true } }),
        LoggerModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (config: AppConfig) => loggerOptions(config),
        }),
        DatabaseModule,
        HealthModule,
        ...(role === 'worker' ? [] : api),
        ...(role === 'api' ? [] : worker),
      ],
      providers: [
        { provide: APP_FILTER, useClass: ErrorFilter },
        { provide: APP_PIPE, useClass: AppValidationPipe },
      ],
    };
  }
}
