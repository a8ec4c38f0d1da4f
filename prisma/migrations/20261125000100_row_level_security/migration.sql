-- Row-level security on the business tables, keyed on `SET LOCAL app.tenant_id = '<uuid>'`.
-- The application's own role owns the tables and is not subject to these policies (it always filters by
-- tenant itself); the reader role that runs generated SQL is, so a missing predicate still cannot leak rows.

-- The app switches to the reader with SET LOCAL ROLE, which needs membership (superusers have it implicitly).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pulse_ai_reader') THEN
    CREATE ROLE pulse_ai_reader NOLOGIN NOSUPERUSER NOINHERIT NOCREATEDB NOCREATEROLE;
  END IF;
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('GRANT pulse_ai_reader TO %I', current_user);
  END IF;
END
$$;

REVOKE ALL ON ALL TABLES IN SCHEMA public FROM pulse_ai_reader;
GRANT USAGE ON SCHEMA public TO pulse_ai_reader;
GRANT SELECT ON work_items, pull_requests, deployments TO pulse_ai_reader;

ALTER TABLE work_items ENABLE ROW LEVEL SECURITY;
ALTER TABLE pull_requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE deployments ENABLE ROW LEVEL SECURITY;

CREATE POLICY tenant_isolation ON work_items
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY tenant_isolation ON pull_requests
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY tenant_isolation ON deployments
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- Records waiting for a vector: the reconciler and /v1/etl/status scan these without touching the rest.
CREATE INDEX work_items_unvectorized_idx ON work_items (tenant_id) WHERE vectorized_at IS NULL;
CREATE INDEX pull_requests_unvectorized_idx ON pull_requests (tenant_id) WHERE vectorized_at IS NULL;
CREATE INDEX deployments_unvectorized_idx ON deployments (tenant_id) WHERE vectorized_at IS NULL;
