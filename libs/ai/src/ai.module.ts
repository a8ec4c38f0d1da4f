import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module, type OnModuleInit } from '@nestjs/common';
import { DatabaseEvents, DB_CHANNELS } from '@app/database';
import { EmbeddingModule } from '@app/embedding';
import { BusinessRulesValidator } from './agent/business-rules.validator';
import { KnownValuesService } from './agent/known-values.service';
import { CacheLookupNode } from './agent/nodes/cache-lookup.node';
import { CompileNode } from './agent/nodes/compile.node';
import { EntryNode } from './agent/nodes/entry.node';
import { ExecuteNode } from './agent/nodes/execute.node';
import { GenerateSqlNode } from './agent/nodes/generate-sql.node';
import { GuardNode } from './agent/nodes/guard.node';
import { RefuseNode } from './agent/nodes/refuse.node';
import { RejectNode } from './agent/nodes/reject.node';
import { RetrieveNode } from './agent/nodes/retrieve.node';
import { StoreNode } from './agent/nodes/store.node';
import { ValidateSqlNode } from './agent/nodes/validate-sql.node';
import { QueryClock } from './agent/query-clock.service';
import { QueryGraph } from './agent/query-graph.service';
import { SchemaRetriever } from './agent/retrieval/schema-retriever.service';
import { AnswerCache } from './cache/answer-cache.service';
import { CachedAnswers } from './cache/cached-answers.service';
import { DataGenerations } from './cache/data-generations.service';
import { DataVersionsRepository } from './cache/data-versions.repository';
import { SemanticAnswerIndex } from './cache/semantic-index.service';
import { AiJobsController } from './jobs/ai-jobs.controller';
import { AiJobsService } from './jobs/ai-jobs.service';
import { AiQueryJob } from './jobs/ai-query.job';
import { AI_QUERY_JOBS_QUEUE } from './jobs/queue.constants';
import { ProvidersModule } from './providers';
import { QueryHistoryService } from './query/query-history.service';
import { QueryController } from './query/query.controller';
import { QueryStreamController } from './query/query-stream.controller';
import { QueryService } from './query/query.service';
import { ConversationRepository } from './query/conversation.repository';
import { SemanticModule } from './semantic';
import { SqlModule } from './sql';

/**
 * The query agent: `POST /v1/ai/query`, `/stream`, `/batch` and question jobs (`/v1/ai/jobs`) over the LangGraph workflow (agent/), the answer caches
 * (cache/) and the query history (query/), on top of the SQL guard, the semantic layer and the LLM providers.
 * Needs the global Config, Database, Tenancy, Integrations and Metrics modules. Cached answers are checked against
 * the database's data versions; the known values are dropped when the database announces a tenant's change.
 * `forRole` adds the HTTP routes, the job worker, or both; BullMQ's root connection comes from the ETL module.
 */
@Module({
  imports: [
    SqlModule,
    SemanticModule,
    ProvidersModule,
    EmbeddingModule,
    BullModule.registerQueue({ name: AI_QUERY_JOBS_QUEUE }),
  ],
  providers: [
    QueryClock,
    KnownValuesService,
    BusinessRulesValidator,
    SchemaRetriever,
    AnswerCache,
    CachedAnswers,
    DataGenerations,
    DataVersionsRepository,
    SemanticAnswerIndex,
    QueryHistoryService,
    EntryNode,
    CacheLookupNode,
    CompileNode,
    RetrieveNode,
    GenerateSqlNode,
    ValidateSqlNode,
    GuardNode,
    ExecuteNode,
    StoreNode,
    RefuseNode,
    RejectNode,
    QueryGraph,
    QueryService,
    ConversationRepository,
    AiJobsService,
  ],
  exports: [QueryService, QueryHistoryService, DataGenerations, SqlModule, SemanticModule, ProvidersModule],
})
export class AiModule implements OnModuleInit {
  constructor(
    private readonly events: DatabaseEvents,
    private readonly knownValues: KnownValuesService,
  ) {}

  static forRole(opts: { http: boolean; workers: boolean }): DynamicModule {
    return {
      module: AiModule,
      controllers: opts.http ? [QueryController, QueryStreamController, AiJobsController] : [],
      providers: opts.workers ? [AiQueryJob] : [],
    };
  }

  onModuleInit(): void {
    this.events.on(DB_CHANNELS.dataChanged, (payload) => this.knownValues.invalidate(payload.split(':')[0]));
  }
}
