import { Test, type TestingModule } from '@nestjs/testing';
import { ConfigModule } from '@app/config';
import { DatabaseModule, PgPoolService } from '@app/database';
import { SqlExecutorService } from '../sql-executor.service';
import { SqlGuardService } from '../sql-guard.service';
import { SqlModule } from '../sql.module';
import { SqlValidatorService } from '../sql-validator.service';

export interface SqlTestKit {
  moduleRef: TestingModule;
  guard: SqlGuardService;
  validator: SqlValidatorService;
  executor: SqlExecutorService;
  pg: PgPoolService;
  close: () => Promise<void>;
}

/**
 * SqlModule as the app wires it (global ConfigModule and DatabaseModule), against the run's migrated
 * test database. `env` overrides variables for this module only.
 */
export async function createSqlTestKit(env: Record<string, string> = {}): Promise<SqlTestKit> {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  try {
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule, DatabaseModule, SqlModule],
    }).compile();
    await moduleRef.init();
    return {
      moduleRef,
      guard: moduleRef.get(SqlGuardService),
      validator: moduleRef.get(SqlValidatorService),
      executor: moduleRef.get(SqlExecutorService),
      pg: moduleRef.get(PgPoolService),
      close: () => moduleRef.close(),
    };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
