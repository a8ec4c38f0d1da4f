import { Module } from '@nestjs/common';
import { SemanticModelService } from './semantic-model.service';
import { SemanticPlanner } from './semantic-planner.service';
import { SemanticSqlCompiler } from './semantic-sql-compiler.service';

/** The zero-cost semantic route: the model (loaded at boot), the planner and the SQL compiler. Needs AppConfig. */
@Module({
  providers: [SemanticModelService, SemanticPlanner, SemanticSqlCompiler],
  exports: [SemanticModelService, SemanticPlanner, SemanticSqlCompiler],
})
export class SemanticModule {}
