import { Module } from '@nestjs/common';
import { SemanticModelService } from './semantic-model.service';
import { QuestionPlannerService } from './question-planner.service';
import { SemanticSqlCompilerService } from './semantic-sql-compiler.service';

/** The zero-cost semantic route: the model (loaded at boot), the planner and the SQL compiler. Needs AppConfig. */
@Module({
  providers: [SemanticModelService, QuestionPlannerService, SemanticSqlCompilerService],
  exports: [SemanticModelService, QuestionPlannerService, SemanticSqlCompilerService],
})
export class SemanticModule {}
