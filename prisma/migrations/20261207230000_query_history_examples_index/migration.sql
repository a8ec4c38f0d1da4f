-- The LLM route's examples (QueryHistoryRepository.recentExamples): a tenant's newest answered questions with SQL
-- and an embedding of the current model. Cached answers, most of the rows, are never examples: walking
-- (tenant_id, created_at) newest first stepped over every cached answer since the last example (21 ms for 300k of
-- them; 0.1 ms with this index), so the complex route got slower the more answers the cache served.

-- CreateIndex
CREATE INDEX "query_history_examples_idx" ON "query_history" ("tenant_id", "embedding_model", "created_at" DESC)
WHERE "success" AND "sql" IS NOT NULL AND "route" IN ('simple', 'complex') AND "question_embedding" IS NOT NULL;
