import { Module } from '@nestjs/common';
import { SqlExecutorService } from './sql-executor.service';
import { SqlGuardService } from './sql-guard.service';
import { SqlValidatorService } from './sql-validator.service';

/** Guard, validator and executor for generated SQL. Needs the global ConfigModule and DatabaseModule. */
@Module({
  providers: [SqlGuardService, SqlValidatorService, SqlExecutorService],
  exports: [SqlGuardService, SqlValidatorService, SqlExecutorService],
})
export class SqlModule {}
