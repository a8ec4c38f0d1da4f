import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module, type OnModuleInit } from '@nestjs/common';
import { DatabaseEventsService, DB_CHANNELS } from '@app/database';
import { EmbeddingModule } from '@app/embedding';
import { ThrottlingModule } from '@app/throttling';
import { VectorModule } from '@app/vector';
import { BusinessRulesValidator } from './agent/business-rules.validator';
import { KnownValuesRepository } from './agent/known-values.repository';
import { KnownValuesService } from './agent/known-values.service';
import {
  CacheLookupNode,
  CompileNode,
  EntryNode,
  ExecuteNode,
  GuardNode,
  StoreNode,
} from './agent/query-graph.nodes';
import { QueryGraphService } from './agent/query-graph.service';
import { GenerateSqlNode, RetrieveNode, ValidateSqlNode } from './agent/write-sql.nodes';
import { SchemaColumnsRepository } from './agent/retrieval/schema-columns.repository';
import { SchemaRetrieverService } from './agent/retrieval/schema-retriever.service';
import { AnswerCacheService } from './cache/answer-cache.service';
import { DataVersionsRepository } from './cache/data-versions.repository';
import { AiJobsController } from './jobs/ai-jobs.controller';
import { AiJobsService } from './jobs/ai-jobs.service';
import { AiQueryJob } from './jobs/ai-query.job';
import { AI_QUERY_JOBS_QUEUE } from './jobs/queue.constants';
import { ProvidersModule } from './providers';
import { QueryHistoryRepository } from './query/query-history.repository';
import { QueryHistoryService } from './query/query-history.service';
import { QueryController } from './query/query.controller';
import { QueryStreamController } from './query/query-stream.controller';
import { QueryService } from './query/query.service';
import { ConversationRepository } from './query/conversation.repository';
import { SearchController } from './search/search.controller';
import { SearchRepository } from './search/search.repository';
import { SearchService } from './search/search.service';
import { SemanticModule } from './semantic';
import { SqlModule } from './sql';

/**
 * The query agent: `POST /v1/ai/query`, `/stream`, `/batch` and question jobs (`/v1/ai/jobs`) over the LangGraph workflow (agent/), the answer caches
 * (cache/) and the query history (query/), on top of the SQL guard, the semantic layer and the LLM providers; and
 * `POST /v1/ai/search`, semantic search over the caller's records in the vector store (search/).
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
    VectorModule,
    ThrottlingModule,
    BullModule.registerQueue({ name: AI_QUERY_JOBS_QUEUE }),
  ],
  providers: [
    KnownValuesRepository,
    KnownValuesService,
    BusinessRulesValidator,
    SchemaColumnsRepository,
    SchemaRetrieverService,
    AnswerCacheService,
    DataVersionsRepository,
    QueryHistoryRepository,
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
    QueryGraphService,
    QueryService,
    ConversationRepository,
    AiJobsService,
    SearchRepository,
    SearchService,
  ],
  exports: [QueryService, QueryHistoryService, SqlModule, SemanticModule, ProvidersModule],
})
export class AiModule implements OnModuleInit {
  constructor(
    private readonly events: DatabaseEventsService,
    private readonly knownValues: KnownValuesService,
  ) {}

  static forRole(opts: { http: boolean; workers: boolean }): DynamicModule {
    return {
      module: AiModule,
      controllers: opts.http
        ? [QueryController, QueryStreamController, AiJobsController, SearchController]
        : [],
      providers: opts.workers ? [AiQueryJob] : [],
    };
  }

  onModuleInit(): void {
    this.events.on(DB_CHANNELS.dataChanged, (payload) => this.knownValues.invalidate(payload.split(':')[0]));
  }
}
