import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';

/** The instant relative time windows are resolved against: the wall clock, or QUERY_FIXED_NOW for demos and tests. */
@Injectable()
export class QueryClock {
  private readonly fixed?: Date;

  constructor(config: AppConfig) {
    this.fixed = config.query.fixedNow;
  }

  now(): Date {
    return this.fixed ? new Date(this.fixed.getTime()) : new Date();
  }
}
