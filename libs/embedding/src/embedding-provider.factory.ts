import type { AppConfig } from '@app/config';
import { EgressGuard } from '@app/egress';
import path from 'node:path';
import { BundledUseAdapter } from './adapters/bundled-use.adapter';
import { GatewayEmbeddingAdapter } from './adapters/gateway.adapter';
import { TransformersEmbeddingAdapter } from './adapters/transformers.adapter';
import type { EmbeddingProvider } from './ports/embedding-provider.port';

/** Builds the adapter named by EMBEDDING_PROVIDER; an unknown name or missing setting stops the boot. */
export function createEmbeddingProvider(
  config: Pick<AppConfig, 'embedding' | 'server' | 'egress'>,
): EmbeddingProvider {
  const settings = config.embedding;
  const provider = settings.provider;
  switch (provider) {
    case 'bundled':
      return new BundledUseAdapter({ threads: settings.threads });
    case 'transformers':
      return new TransformersEmbeddingAdapter({
        model: settings.model,
        modelDir: settings.modelDir,
        threads: settings.threads,
        // Hub downloads (machines with internet, no EMBEDDING_MODEL_DIR) land in DATA_DIR, not in node_modules.
        cacheDir: path.join(config.server.dataDir, 'models'),
      });
    case 'gateway': {
      const { url, model, apiKey, timeoutMs, dimensions, costPer1k } = settings.gateway;
      if (!url) throw new Error('EMBEDDING_GATEWAY_URL is required when EMBEDDING_PROVIDER=gateway');
      if (!model) throw new Error('EMBEDDING_MODEL is required when EMBEDDING_PROVIDER=gateway');
      const egress = new EgressGuard(config.egress);
      return new GatewayEmbeddingAdapter({
        baseUrl: url,
        model,
        apiKey,
        timeoutMs,
        dimensions,
        costPer1k,
        egress,
      });
    }
    default: {
      const unknown: never = provider;
      throw new Error(
        `Unknown EMBEDDING_PROVIDER "${String(unknown)}" (expected bundled, transformers or gateway)`,
      );
    }
  }
}
