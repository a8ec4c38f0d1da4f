import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { envSchema, type Env } from './config.schema';

export class ConfigValidationError extends Error {}

function decodeKey(raw: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (key.length !== 32) {
    throw new ConfigValidationError(
      'INTEGRATION_SECRET_KEY must be 32 bytes, given as 64 hex chars or base64',
    );
  }
  return key;
}

/** Typed, validated configuration, parsed once at boot and grouped by concern. */
@Injectable()
export class AppConfig {
  readonly env: Env;

  constructor(source: NodeJS.ProcessEnv | Record<string, string | undefined> = process.env) {
    const parsed = envSchema.safeParse(source);
    if (!parsed.success) {
      const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
      throw new ConfigValidationError(`Invalid configuration:\n${lines.join('\n')}`);
    }
    this.env = parsed.data;
    this.secretKey = decodeKey(this.env.INTEGRATION_SECRET_KEY);
  }

  /** 32-byte master key for AES-256-GCM and keyed hashes. */
  readonly secretKey: Buffer;

  get server() {
    const e = this.env;
    return {
      role: e.PROCESS_ROLE,
      host: e.HOST,
      port: e.PORT,
      logLevel: e.LOG_LEVEL,
      bodyLimit: e.BODY_LIMIT_BYTES,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
      runsHttp: e.PROCESS_ROLE !== 'worker',
      runsWorkers: e.PROCESS_ROLE !== 'api',
      dataDir: e.DATA_DIR,
    };
  }

  get database() {
    return {
      url: this.env.DATABASE_URL,
      poolSize: this.env.DATABASE_POOL_SIZE,
      readerRole: this.env.DATABASE_READER_ROLE,
    };
  }

  get redis() {
    return { url: this.env.REDIS_URL, prefix: this.env.REDIS_PREFIX };
  }

  get auth() {
    return { adminToken: this.env.ADMIN_TOKEN };
  }

  get embedding() {
    const e = this.env;
    return {
      provider: e.EMBEDDING_PROVIDER,
      model: e.EMBEDDING_MODEL,
      modelDir: e.EMBEDDING_MODEL_DIR,
      threads: e.EMBEDDING_THREADS,
      maxBatch: e.EMBEDDING_MAX_BATCH,
      batchWaitMs: e.EMBEDDING_BATCH_WAIT_MS,
      cacheSize: e.EMBEDDING_CACHE_SIZE,
      cacheTtlS: e.EMBEDDING_CACHE_TTL_S,
      gateway: {
        url: e.EMBEDDING_GATEWAY_URL,
        apiKey: e.EMBEDDING_GATEWAY_KEY,
        model: e.EMBEDDING_MODEL,
        dimensions: e.EMBEDDING_GATEWAY_DIMENSIONS,
        timeoutMs: e.EMBEDDING_GATEWAY_TIMEOUT_MS,
        costPer1k: e.EMBEDDING_GATEWAY_COST_PER_1K,
      },
    };
  }

  get vector() {
    const e = this.env;
    return {
      store: e.VECTOR_STORE ?? (e.QDRANT_URL ? 'qdrant' : 'embedded'),
      dataDir: e.DATA_DIR,
      qdrant: {
        url: e.QDRANT_URL,
        apiKey: e.QDRANT_API_KEY,
        quantization: e.QDRANT_QUANTIZATION,
        hnswM: e.QDRANT_HNSW_M,
        hnswEfConstruct: e.QDRANT_HNSW_EF_CONSTRUCT,
      },
      hnsw: {
        m: e.VECTOR_HNSW_M,
        efConstruction: e.VECTOR_HNSW_EF_CONSTRUCTION,
        efSearch: e.VECTOR_HNSW_EF_SEARCH,
      },
    } as const;
  }

  get queue() {
    return {
      vectorizeConcurrency: this.env.VECTORIZE_CONCURRENCY,
      attempts: this.env.VECTORIZE_ATTEMPTS,
      reconcileIntervalS: this.env.RECONCILE_INTERVAL_S,
      reconcileSettleS: this.env.RECONCILE_SETTLE_S,
    };
  }

  get aiJobs() {
    return { retentionS: this.env.AI_JOB_RETENTION_S };
  }

  get sql() {
    return {
      rowLimit: this.env.SQL_ROW_LIMIT,
      statementTimeoutMs: this.env.SQL_STATEMENT_TIMEOUT_MS,
      maxCost: this.env.SQL_MAX_COST,
    };
  }

  get llm() {
    const e = this.env;
    return {
      baseUrl: e.LLM_BASE_URL,
      apiKey: e.LLM_API_KEY,
      model: e.LLM_MODEL,
      timeoutMs: e.LLM_TIMEOUT_MS,
      inputCostPer1k: e.LLM_INPUT_COST_PER_1K,
      outputCostPer1k: e.LLM_OUTPUT_COST_PER_1K,
      maxRetries: e.LLM_MAX_RETRIES,
      retryBaseMs: e.LLM_RETRY_BASE_MS,
      maxTokens: e.LLM_MAX_TOKENS,
      breakerFailures: e.LLM_BREAKER_FAILURES,
      breakerHalfOpenMs: e.LLM_BREAKER_HALF_OPEN_MS,
    };
  }

  get query() {
    return {
      semanticModelPath: this.env.SEMANTIC_MODEL_PATH,
      semanticMinConfidence: this.env.SEMANTIC_MIN_CONFIDENCE,
      cacheTtlS: this.env.QUERY_CACHE_TTL_S,
      conversationTtlS: this.env.CONVERSATION_TTL_S,
      semanticCacheThreshold: this.env.SEMANTIC_CACHE_THRESHOLD,
      fixedNow: this.env.QUERY_FIXED_NOW ? new Date(this.env.QUERY_FIXED_NOW) : undefined,
    };
  }

  get egress() {
    return {
      allowedCidrs: this.env.EGRESS_ALLOWED_CIDRS,
      maxResponseBytes: this.env.EGRESS_MAX_RESPONSE_BYTES,
      timeoutMs: this.env.EGRESS_TIMEOUT_MS,
    };
  }

  get rateLimits() {
    const e = this.env;
    return {
      windowS: e.RATE_LIMIT_WINDOW_S,
      rejectDelayMaxMs: e.RATE_LIMIT_REJECT_DELAY_MS,
      perClass: {
        query: e.RATE_LIMIT_QUERY,
        search: e.RATE_LIMIT_SEARCH,
        embed: e.RATE_LIMIT_EMBED,
        ingest: e.RATE_LIMIT_INGEST,
        admin: e.RATE_LIMIT_ADMIN,
      },
      dailyQuotas: {
        questions: e.QUOTA_DAILY_QUESTIONS,
        embeddedTexts: e.QUOTA_DAILY_EMBEDDED_TEXTS,
      },
      concurrency: {
        total: e.CONCURRENCY_TOTAL,
        perTenant: e.CONCURRENCY_PER_TENANT,
        queuePerTenant: e.CONCURRENCY_QUEUE_PER_TENANT,
      },
    };
  }

  get insights() {
    const e = this.env;
    return {
      intervalS: e.INSIGHTS_INTERVAL_S,
      etlChangeRows: e.INSIGHTS_ETL_CHANGE_ROWS,
      threshold: e.INSIGHTS_THRESHOLD,
      highThreshold: e.INSIGHTS_HIGH_THRESHOLD,
      dailyThreshold: e.INSIGHTS_DAILY_THRESHOLD,
      minVolume: e.INSIGHTS_MIN_VOLUME,
      holidays: e.INSIGHTS_HOLIDAYS,
      webhook: {
        attempts: e.WEBHOOK_ATTEMPTS,
        backoffMs: e.WEBHOOK_BACKOFF_MS,
        timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      },
    };
  }

  get metrics() {
    return {
      tenantLabel: this.env.METRICS_TENANT_LABEL,
      tenantAllowlist: this.env.METRICS_TENANT_ALLOWLIST.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    };
  }

  /** Stable, non-reversible short id for logs/metrics where a raw value must not appear. */
  hashLabel(value: string): string {
    return createHash('sha256').update(this.secretKey).update(value).digest('hex').slice(0, 12);
  }
}
