import ipaddr from 'ipaddr.js';
import { z } from 'zod';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);
const num = (def: number) => z.coerce.number().default(def);
/** A comma-separated setting as its trimmed, non-empty items (unset: none). */
const commaList = () =>
  z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : v));

/**
 * Every environment variable the service reads, validated once at boot.
 * A driver's settings are only required when that driver is chosen (see the refinements).
 */
export const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PROCESS_ROLE: z.enum(['all', 'api', 'worker']).default('all'),
    HOST: z.string().default('0.0.0.0'),
    PORT: int(3000, 0),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    BODY_LIMIT_BYTES: int(16 * 1024 * 1024, 1024),
    SHUTDOWN_GRACE_MS: int(25_000, 0),

    DATABASE_URL: z.string().url('DATABASE_URL must be a postgresql:// URL'),
    DATABASE_POOL_SIZE: int(10, 1),
    /** Role that generated SQL runs as: SELECT on business tables only, subject to row-level security. */
    DATABASE_READER_ROLE: z
      .string()
      .regex(/^[a-z_][a-z0-9_]*$/)
      .default('pulse_ai_reader'),

    REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
    /** Prefix for every Redis key and BullMQ queue, so several deployments (or test runs) can share one Redis. */
    REDIS_PREFIX: z.string().default('pulse'),

    ADMIN_TOKEN: z.string().min(16, 'ADMIN_TOKEN must be at least 16 characters'),
    /** 32 bytes, hex (64 chars) or base64: encrypts integration secrets (AES-256-GCM) and keys API-key hashes. */
    INTEGRATION_SECRET_KEY: z.string().min(1, 'INTEGRATION_SECRET_KEY is required'),

    DATA_DIR: z.string().default('./.data'),

    EMBEDDING_PROVIDER: z.enum(['bundled', 'transformers', 'gateway']).default('bundled'),
    EMBEDDING_MODEL: optionalString,
    EMBEDDING_MODEL_DIR: optionalString,
    EMBEDDING_THREADS: int(2, 1),
    EMBEDDING_MAX_BATCH: int(32, 1),
    EMBEDDING_BATCH_WAIT_MS: int(3, 0),
    EMBEDDING_CACHE_SIZE: int(20_000, 0),
    EMBEDDING_CACHE_TTL_S: int(3600, 0),
    EMBEDDING_GATEWAY_URL: optionalString,
    EMBEDDING_GATEWAY_KEY: optionalString,
    EMBEDDING_GATEWAY_DIMENSIONS: z.coerce.number().int().positive().optional(),
    EMBEDDING_GATEWAY_TIMEOUT_MS: int(20_000, 1),
    EMBEDDING_GATEWAY_COST_PER_1K: num(0),

    VECTOR_STORE: z.enum(['embedded', 'qdrant']).optional(),
    QDRANT_URL: optionalString,
    QDRANT_API_KEY: optionalString,
    QDRANT_QUANTIZATION: bool.default('false'),
    QDRANT_HNSW_M: int(16, 4),
    QDRANT_HNSW_EF_CONSTRUCT: int(100, 4),
    VECTOR_HNSW_M: int(16, 4),
    VECTOR_HNSW_EF_CONSTRUCTION: int(200, 4),
    VECTOR_HNSW_EF_SEARCH: int(128, 4),

    VECTORIZE_CONCURRENCY: int(1, 1),
    VECTORIZE_ATTEMPTS: int(5, 1),
    RECONCILE_INTERVAL_S: int(300, 0),
    /** Records younger than this are left to the real-time queue by the reconciler (tests use 1). */
    RECONCILE_SETTLE_S: int(60, 0),
    /** How long a finished AI job (`POST /v1/ai/jobs`) and its results stay readable. */
    AI_JOB_RETENTION_S: int(86_400, 1),

    SQL_ROW_LIMIT: int(1000, 1),
    SQL_STATEMENT_TIMEOUT_MS: int(5000, 1),
    SQL_MAX_COST: num(1e7),

    LLM_BASE_URL: optionalString,
    LLM_API_KEY: optionalString,
    LLM_MODEL: optionalString,
    LLM_TIMEOUT_MS: int(20_000, 1),
    LLM_INPUT_COST_PER_1K: num(0),
    LLM_OUTPUT_COST_PER_1K: num(0),
    /** Retries after the first attempt on 429/5xx/network errors, with exponential backoff from LLM_RETRY_BASE_MS. */
    LLM_MAX_RETRIES: int(2, 0),
    LLM_RETRY_BASE_MS: int(250, 1),
    /** Output cap sent when a caller gives none; it bounds the cost reserved against a tenant's budget. */
    LLM_MAX_TOKENS: int(1024, 1),
    /** Consecutive failed calls that open a provider's circuit for one tenant, and how long it stays open. */
    LLM_BREAKER_FAILURES: int(3, 1),
    LLM_BREAKER_HALF_OPEN_MS: int(30_000, 1),

    SEMANTIC_MODEL_PATH: optionalString,
    /** Planner confidence in [0,1] at or above which a question takes the zero-cost semantic route. */
    SEMANTIC_MIN_CONFIDENCE: z.coerce.number().min(0).max(1).default(0.7),
    QUERY_CACHE_TTL_S: int(3600, 0),
    /** Seconds a conversation (the last answered question, for follow-ups) is kept after its last answer. */
    CONVERSATION_TTL_S: int(1800, 1),
    /**
     * Cosine at or above which an unsure question may reuse a similar cached one (fingerprints must agree too).
     * Chosen from libs/ai/src/cache/semantic-cache.int-spec.ts: no false hit from 0.80 up on its labelled pairs.
     */
    SEMANTIC_CACHE_THRESHOLD: num(0.85),
    /**
     * ISO-8601 instant that relative time windows ("last week") are resolved against instead of the wall clock:
     * for demos and tests over a static dataset. Unset in production.
     */
    QUERY_FIXED_NOW: z
      .string()
      .optional()
      .transform((v) => (v === undefined || v === '' ? undefined : v))
      .refine(
        (v) => v === undefined || !Number.isNaN(Date.parse(v)),
        'QUERY_FIXED_NOW must be an ISO-8601 timestamp',
      ),

    /** Ranges outbound calls may reach on top of public addresses (e.g. an in-cluster model server's). */
    EGRESS_ALLOWED_CIDRS: commaList().refine(
      (list) => list.every((c) => (c.includes('/') ? ipaddr.isValidCIDR(c) : ipaddr.isValid(c))),
      'EGRESS_ALLOWED_CIDRS must be comma-separated CIDRs such as 10.20.0.0/16,fd12::/64',
    ),
    EGRESS_MAX_RESPONSE_BYTES: int(32 * 1024 * 1024, 1024),
    EGRESS_TIMEOUT_MS: int(120_000, 100),

    /**
     * Token buckets per tenant and route class, shared by every API pod through Redis: each holds at most its
     * limit (the largest burst) and refills steadily at the limit per RATE_LIMIT_WINDOW_S. Per-tenant overrides
     * through PUT /v1/admin/tenants/{id}/limits. 0 turns a class's limit off.
     */
    RATE_LIMIT_WINDOW_S: int(1, 1),
    RATE_LIMIT_QUERY: int(10, 0),
    RATE_LIMIT_SEARCH: int(50, 0),
    RATE_LIMIT_EMBED: int(50, 0),
    RATE_LIMIT_INGEST: int(100, 0),
    RATE_LIMIT_ADMIN: int(20, 0),
    /** Longest a refused request is held before its 429 (until a token is due): slows clients that ignore Retry-After. */
    RATE_LIMIT_REJECT_DELAY_MS: int(1000, 0),
    /**
     * Expensive work (questions, searches, embeds) per API process and route class: requests running at once
     * in total and per tenant, and how many one tenant may have waiting (more get 429).
     */
    /** Optional daily quotas per tenant (UTC day): questions asked and texts embedded; 0 = none. */
    QUOTA_DAILY_QUESTIONS: int(0, 0),
    QUOTA_DAILY_EMBEDDED_TEXTS: int(0, 0),
    CONCURRENCY_TOTAL: int(8, 1),
    CONCURRENCY_PER_TENANT: int(2, 1),
    CONCURRENCY_QUEUE_PER_TENANT: int(200, 0),

    /** Seconds between scheduled insight runs per tenant (a BullMQ repeatable job); 0 turns the schedule off. */
    INSIGHTS_INTERVAL_S: int(21_600, 0),
    /** Rows a tenant's ETL batches must insert or update since its last insight run to trigger another one. */
    INSIGHTS_ETL_CHANGE_ROWS: int(1000, 1),
    /** Robust deviations for a medium finding, a high one, and a medium one on daily series. */
    INSIGHTS_THRESHOLD: z.coerce.number().positive().default(3.5),
    INSIGHTS_HIGH_THRESHOLD: z.coerce.number().positive().default(5),
    INSIGHTS_DAILY_THRESHOLD: z.coerce.number().positive().default(4),
    /** Events a window (or its usual level) needs before it may produce a finding. */
    INSIGHTS_MIN_VOLUME: int(5, 1),
    /**
     * Days on which activity is expected to be low for every tenant (public holidays, company shutdowns): ISO
     * dates or inclusive ranges, comma-separated. They are left out of baselines and never produce "dropped".
     */
    INSIGHTS_HOLIDAYS: commaList().refine(
      (list) =>
        list.every((h) => {
          const [from, to = from, ...rest] = h.split('..');
          const day = /^\d{4}-\d{2}-\d{2}$/;
          return (
            rest.length === 0 &&
            day.test(from) &&
            day.test(to) &&
            !Number.isNaN(Date.parse(from)) &&
            !Number.isNaN(Date.parse(to)) &&
            Date.parse(to) >= Date.parse(from) &&
            Date.parse(to) - Date.parse(from) <= 366 * 86_400_000
          );
        }),
      'INSIGHTS_HOLIDAYS must be comma-separated ISO dates or ranges such as 2026-12-24..2026-12-26',
    ),
    /** Delivery attempts of one insight alert to a tenant's webhook (exponential backoff from the base delay). */
    WEBHOOK_ATTEMPTS: int(6, 1),
    WEBHOOK_BACKOFF_MS: int(2000, 1),
    WEBHOOK_TIMEOUT_MS: int(10_000, 1),

    METRICS_TENANT_LABEL: z.enum(['none', 'hash', 'allowlist']).default('hash'),
    METRICS_TENANT_ALLOWLIST: z.string().default(''),
  })
  .superRefine((env, ctx) => {
    if (env.VECTOR_STORE === 'qdrant' && !env.QDRANT_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['QDRANT_URL'],
        message: 'QDRANT_URL is required when VECTOR_STORE=qdrant',
      });
    }
    const store = env.VECTOR_STORE ?? (env.QDRANT_URL ? 'qdrant' : 'embedded');
    if (store === 'embedded' && env.PROCESS_ROLE !== 'all') {
      ctx.addIssue({
        code: 'custom',
        path: ['PROCESS_ROLE'],
        message:
          'The embedded vector store lives in one process: use PROCESS_ROLE=all, or set QDRANT_URL to split api and worker',
      });
    }
    if (env.EMBEDDING_PROVIDER === 'gateway' && !env.EMBEDDING_GATEWAY_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['EMBEDDING_GATEWAY_URL'],
        message: 'EMBEDDING_GATEWAY_URL is required when EMBEDDING_PROVIDER=gateway',
      });
    }
    if (env.EMBEDDING_PROVIDER === 'gateway' && !env.EMBEDDING_MODEL) {
      ctx.addIssue({
        code: 'custom',
        path: ['EMBEDDING_MODEL'],
        message: 'EMBEDDING_MODEL is required when EMBEDDING_PROVIDER=gateway',
      });
    }
  });

export type Env = z.infer<typeof envSchema>;
