import { Module } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { EgressGuard } from './egress-guard';

/** One EgressGuard (and one connection pool) per process; modules that call out import this module. */
@Module({
  providers: [
    { provide: EgressGuard, inject: [AppConfig], useFactory: (c: AppConfig) => EgressGuard.fromConfig(c) },
  ],
  exports: [EgressGuard],
})
export class EgressModule {}
