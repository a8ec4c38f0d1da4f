-- Insight snapshots (libs/insights): metrics that are known for *now* only — work in progress and its age; the
-- data keeps no status history — recorded at every detection run, so that their history accrues from the first
-- run on. One row per tenant, metric, dimension and UTC day: a later run the same day overwrites the row (the
-- latest reading of the day stands). Overall values store '' as the dimension, as the insights table does.

-- CreateTable
CREATE TABLE "insight_snapshots" (
    "tenant_id" UUID NOT NULL,
    "metric" TEXT NOT NULL,
    "dimension_name" TEXT NOT NULL DEFAULT '',
    "dimension_value" TEXT NOT NULL DEFAULT '',
    "day" DATE NOT NULL,
    "value" DOUBLE PRECISION,
    "volume" INTEGER NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "insight_snapshots_pkey" PRIMARY KEY ("tenant_id", "metric", "dimension_name", "dimension_value", "day")
);

-- AddForeignKey
ALTER TABLE "insight_snapshots" ADD CONSTRAINT "insight_snapshots_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Same policy as insights and the business tables: a role without its own tenant filter (the reader) sees only
-- app.tenant_id's rows. The reader may read it (as it may read insights); the SQL guard's catalog still decides
-- what generated SQL can name.
ALTER TABLE "insight_snapshots" ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "insight_snapshots"
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
GRANT SELECT ON "insight_snapshots" TO pulse_ai_reader;
