-- Query history of the query agent (libs/ai/src/query): every question asked, how it was answered, and the
-- question's embedding (float32 little-endian bytes), so the LLM route can show a model this tenant's own
-- validated SQL for similar questions.

-- CreateTable
CREATE TABLE "query_history" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "question" TEXT NOT NULL,
    "normalized_question" TEXT NOT NULL,
    "sql" TEXT,
    "executed_sql" TEXT,
    "route" TEXT NOT NULL,
    "cache_kind" TEXT,
    "provider" TEXT,
    "model" TEXT,
    "cost_usd" DECIMAL(18,8) NOT NULL DEFAULT 0,
    "latency_ms" DOUBLE PRECISION NOT NULL,
    "success" BOOLEAN NOT NULL,
    "error_code" TEXT,
    "row_count" INTEGER,
    "question_embedding" BYTEA,
    "embedding_model" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "query_history_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "query_history_tenant_id_created_at_idx" ON "query_history"("tenant_id", "created_at");
