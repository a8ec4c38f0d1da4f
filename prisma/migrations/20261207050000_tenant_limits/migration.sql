-- Per-tenant overrides of the rate limits (requests per RATE_LIMIT_WINDOW_S, by route class) and optional
-- daily quotas (libs/throttling). NULL means "the configured default"; a missing row means all defaults.

-- CreateTable
CREATE TABLE "tenant_limits" (
    "tenant_id" UUID NOT NULL,
    "query" INTEGER,
    "search" INTEGER,
    "embed" INTEGER,
    "ingest" INTEGER,
    "admin" INTEGER,
    "daily_questions" INTEGER,
    "daily_embedded_texts" INTEGER,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tenant_limits_pkey" PRIMARY KEY ("tenant_id")
);
