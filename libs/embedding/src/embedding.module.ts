import { AppConfig } from '@app/config';
import { ReadinessRegistry } from '@app/health';
import { Module, OnModuleInit, Optional } from '@nestjs/common';
import { EmbedController } from './embed.controller';
import { createEmbeddingProvider } from './embedding-provider.factory';
import { EmbeddingService } from './embedding.service';
import { EmbeddingProvider } from './ports/embedding-provider.port';

/**
 * Embeddings for the whole application: the provider chosen by EMBEDDING_PROVIDER, the batching and caching
 * `EmbeddingService`, and `POST /v1/ai/embed`. Uses `RedisService` as the shared cache tier when the
 * DatabaseModule is loaded, and reports "embedding model loaded" to readiness when the HealthModule is.
 */
@Module({
  controllers: [EmbedController],
  providers: [
    {
      provide: EmbeddingProvider,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => createEmbeddingProvider(config),
    },
    EmbeddingService,
  ],
  exports: [EmbeddingService, EmbeddingProvider],
})
export class EmbeddingModule implements OnModuleInit {
  constructor(
    private readonly embeddings: EmbeddingService,
    @Optional() private readonly readiness?: ReadinessRegistry,
  ) {}

  onModuleInit(): void {
    this.readiness?.register('embedding', () =>
      Promise.resolve({ up: this.embeddings.isReady(), model: this.embeddings.model }),
    );
  }
}
