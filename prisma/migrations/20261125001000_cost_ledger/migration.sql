-- Cost ledger, month-to-date spend and LLM budget reservations (libs/ai/src/providers).

-- CreateTable
CREATE TABLE "cost_ledger" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "provider" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "operation" TEXT NOT NULL,
    "input_tokens" INTEGER NOT NULL DEFAULT 0,
    "output_tokens" INTEGER NOT NULL DEFAULT 0,
    "cost_usd" DECIMAL(18,8) NOT NULL DEFAULT 0,
    "latency_ms" DOUBLE PRECISION NOT NULL,
    "cpu_ms" DOUBLE PRECISION,
    "outcome" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cost_ledger_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tenant_monthly_spend" (
    "tenant_id" UUID NOT NULL,
    "month" DATE NOT NULL,
    "spent_usd" DECIMAL(18,8) NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tenant_monthly_spend_pkey" PRIMARY KEY ("tenant_id","month")
);

-- CreateTable
CREATE TABLE "llm_budget_reservations" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "amount_usd" DECIMAL(18,8) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "llm_budget_reservations_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "cost_ledger_tenant_id_created_at_idx" ON "cost_ledger"("tenant_id", "created_at");

-- CreateIndex
CREATE INDEX "llm_budget_reservations_tenant_id_expires_at_idx" ON "llm_budget_reservations"("tenant_id", "expires_at");
