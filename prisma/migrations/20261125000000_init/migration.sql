-- CreateSchema

-- CreateTable
CREATE TABLE "tenants" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "monthly_budget_usd" DECIMAL(12,4),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tenants_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),
    "last_used_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "integrations" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "base_url" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "api_key_encrypted" TEXT,
    "tier" TEXT NOT NULL DEFAULT 'any',
    "input_cost_per_1k" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "output_cost_per_1k" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "timeout_ms" INTEGER NOT NULL DEFAULT 20000,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "priority" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "integrations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "work_items" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "external_id" TEXT NOT NULL,
    "project" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT,
    "type" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "priority" TEXT NOT NULL,
    "assignee" TEXT,
    "reporter" TEXT,
    "story_points" DOUBLE PRECISION,
    "labels" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "resolved_at" TIMESTAMPTZ(3),
    "content_hash" TEXT NOT NULL,
    "ingested_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "vectorized_at" TIMESTAMPTZ(3),
    "embedding_model" TEXT,
    "vector_hash" TEXT,
    "vector_error" TEXT,

    CONSTRAINT "work_items_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "pull_requests" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "external_id" TEXT NOT NULL,
    "repository" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT,
    "author" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "reviewers" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "additions" INTEGER NOT NULL DEFAULT 0,
    "deletions" INTEGER NOT NULL DEFAULT 0,
    "changed_files" INTEGER NOT NULL DEFAULT 0,
    "work_item_keys" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "merged_at" TIMESTAMPTZ(3),
    "closed_at" TIMESTAMPTZ(3),
    "content_hash" TEXT NOT NULL,
    "ingested_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "vectorized_at" TIMESTAMPTZ(3),
    "embedding_model" TEXT,
    "vector_hash" TEXT,
    "vector_error" TEXT,

    CONSTRAINT "pull_requests_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "deployments" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "external_id" TEXT NOT NULL,
    "service" TEXT NOT NULL,
    "environment" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "commit_sha" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "finished_at" TIMESTAMPTZ(3),
    "content_hash" TEXT NOT NULL,
    "ingested_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "vectorized_at" TIMESTAMPTZ(3),
    "embedding_model" TEXT,
    "vector_hash" TEXT,
    "vector_error" TEXT,

    CONSTRAINT "deployments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "etl_batches" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "entity" TEXT NOT NULL,
    "total" INTEGER NOT NULL,
    "accepted" INTEGER NOT NULL,
    "queued" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "etl_batches_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "tenants_slug_key" ON "tenants"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_prefix_key" ON "api_keys"("prefix");

-- CreateIndex
CREATE INDEX "api_keys_tenant_id_idx" ON "api_keys"("tenant_id");

-- CreateIndex
CREATE UNIQUE INDEX "integrations_tenant_id_name_key" ON "integrations"("tenant_id", "name");

-- CreateIndex
CREATE INDEX "work_items_tenant_id_type_status_idx" ON "work_items"("tenant_id", "type", "status");

-- CreateIndex
CREATE INDEX "work_items_tenant_id_resolved_at_idx" ON "work_items"("tenant_id", "resolved_at");

-- CreateIndex
CREATE INDEX "work_items_tenant_id_created_at_idx" ON "work_items"("tenant_id", "created_at");

-- CreateIndex
CREATE INDEX "work_items_tenant_id_assignee_idx" ON "work_items"("tenant_id", "assignee");

-- CreateIndex
CREATE INDEX "work_items_tenant_id_project_idx" ON "work_items"("tenant_id", "project");

-- CreateIndex
CREATE UNIQUE INDEX "work_items_tenant_id_external_id_key" ON "work_items"("tenant_id", "external_id");

-- CreateIndex
CREATE INDEX "pull_requests_tenant_id_state_merged_at_idx" ON "pull_requests"("tenant_id", "state", "merged_at");

-- CreateIndex
CREATE INDEX "pull_requests_tenant_id_repository_idx" ON "pull_requests"("tenant_id", "repository");

-- CreateIndex
CREATE INDEX "pull_requests_tenant_id_author_idx" ON "pull_requests"("tenant_id", "author");

-- CreateIndex
CREATE INDEX "pull_requests_tenant_id_created_at_idx" ON "pull_requests"("tenant_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "pull_requests_tenant_id_external_id_key" ON "pull_requests"("tenant_id", "external_id");

-- CreateIndex
CREATE INDEX "deployments_tenant_id_environment_started_at_idx" ON "deployments"("tenant_id", "environment", "started_at");

-- CreateIndex
CREATE INDEX "deployments_tenant_id_service_idx" ON "deployments"("tenant_id", "service");

-- CreateIndex
CREATE UNIQUE INDEX "deployments_tenant_id_external_id_key" ON "deployments"("tenant_id", "external_id");

-- CreateIndex
CREATE INDEX "etl_batches_tenant_id_created_at_idx" ON "etl_batches"("tenant_id", "created_at");

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "integrations" ADD CONSTRAINT "integrations_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

