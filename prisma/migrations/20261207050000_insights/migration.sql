-- Insights (libs/insights): unusual changes found in each tenant's metric series. One row per series and
-- window start, so re-running detection over the same window updates the finding instead of duplicating it.
-- Overall series store '' as the dimension (NULLs would never collide in the unique key).

-- CreateTable
CREATE TABLE "insights" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "metric" TEXT NOT NULL,
    "grain" TEXT NOT NULL,
    "dimension_name" TEXT NOT NULL DEFAULT '',
    "dimension_value" TEXT NOT NULL DEFAULT '',
    "kind" TEXT NOT NULL,
    "window_start" TIMESTAMPTZ(3) NOT NULL,
    "window_end" TIMESTAMPTZ(3) NOT NULL,
    "direction" TEXT NOT NULL,
    "observed" DOUBLE PRECISION NOT NULL,
    "expected" DOUBLE PRECISION NOT NULL,
    "expected_low" DOUBLE PRECISION NOT NULL,
    "expected_high" DOUBLE PRECISION NOT NULL,
    "deviations" DOUBLE PRECISION NOT NULL,
    "volume" INTEGER NOT NULL,
    "severity" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "evidence_sql" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'open',
    "detected_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "alerted_at" TIMESTAMPTZ(3),

    CONSTRAINT "insights_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "insights_series_window_key" ON "insights"("tenant_id", "metric", "grain", "dimension_name", "dimension_value", "window_start");

-- CreateIndex
CREATE INDEX "insights_tenant_id_detected_at_idx" ON "insights"("tenant_id", "detected_at");

-- AddForeignKey
ALTER TABLE "insights" ADD CONSTRAINT "insights_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Same policy as the business tables: a role without its own tenant filter (the reader) sees only app.tenant_id's rows.
ALTER TABLE "insights" ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "insights"
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
