-- Change capture in the database (issue 14): every writer (our ingest, the CLI, the platform's ETL writing
-- plain SQL or COPY) gets the same derived columns, data versions, outbox rows and notifications, with no
-- change to the writer.

-- Derived columns are computed by the database, so a direct writer supplies only business columns.
-- embed_hash covers the embedded text; content_hash covers everything stored beside the vector (text and
-- filterable payload). A change to content_hash alone refreshes the payload without re-embedding.
-- The new hashes differ from the old ones: a vector that was current stays current (marked across the swap).
UPDATE work_items SET vector_hash = CASE WHEN vector_hash = content_hash THEN 'current' END WHERE vector_hash IS NOT NULL;
UPDATE pull_requests SET vector_hash = CASE WHEN vector_hash = content_hash THEN 'current' END WHERE vector_hash IS NOT NULL;
UPDATE deployments SET vector_hash = CASE WHEN vector_hash = content_hash THEN 'current' END WHERE vector_hash IS NOT NULL;

ALTER TABLE work_items DROP COLUMN content_hash;
ALTER TABLE work_items
  ADD COLUMN embed_hash text GENERATED ALWAYS AS (
    md5(title || E'\x1f' || coalesce(description, ''))) STORED,
  ADD COLUMN content_hash text GENERATED ALWAYS AS (
    md5(title || E'\x1f' || coalesce(description, '') || E'\x1f' || project || E'\x1f' || type || E'\x1f' ||
        status || E'\x1f' || priority || E'\x1f' || coalesce(assignee, ''))) STORED;

ALTER TABLE pull_requests DROP COLUMN content_hash;
ALTER TABLE pull_requests
  ADD COLUMN embed_hash text GENERATED ALWAYS AS (
    md5(title || E'\x1f' || coalesce(description, ''))) STORED,
  ADD COLUMN content_hash text GENERATED ALWAYS AS (
    md5(title || E'\x1f' || coalesce(description, '') || E'\x1f' || repository || E'\x1f' || author ||
        E'\x1f' || state)) STORED;

-- A deployment's embedded text already holds every filter field; its snippet adds the start time.
ALTER TABLE deployments DROP COLUMN content_hash;
ALTER TABLE deployments
  ADD COLUMN embed_hash text GENERATED ALWAYS AS (
    md5(service || E'\x1f' || version || E'\x1f' || environment || E'\x1f' || status)) STORED,
  ADD COLUMN content_hash text GENERATED ALWAYS AS (
    md5(service || E'\x1f' || version || E'\x1f' || environment || E'\x1f' || status || E'\x1f' ||
        extract(epoch FROM (started_at AT TIME ZONE 'UTC'))::text)) STORED;

UPDATE work_items SET vector_hash = content_hash WHERE vector_hash = 'current';
UPDATE pull_requests SET vector_hash = content_hash WHERE vector_hash = 'current';
UPDATE deployments SET vector_hash = content_hash WHERE vector_hash = 'current';

-- Per tenant and table, bumped in the writing transaction: a cached answer is valid while the versions of
-- the tables it read are unchanged.
CREATE TABLE data_versions (
  tenant_id  uuid        NOT NULL,
  table_name text        NOT NULL,
  version    bigint      NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, table_name)
);

-- Records whose vector must change; the worker deletes a row once its change is in the vector store.
CREATE TABLE change_outbox (
  id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id   uuid        NOT NULL,
  table_name  text        NOT NULL,
  external_id text        NOT NULL,
  op          text        NOT NULL CHECK (op IN ('embed', 'payload', 'delete')),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX change_outbox_tenant_idx ON change_outbox (tenant_id, table_name);

-- Locks version rows in tenant order (no deadlock between two multi-tenant statements); the notification
-- is delivered when the transaction commits, and never if it rolls back.
CREATE FUNCTION pulse_bump_versions(tbl text, tenants uuid[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  t uuid;
  v bigint;
BEGIN
  FOR t IN SELECT DISTINCT u FROM unnest(tenants) AS u WHERE u IS NOT NULL ORDER BY 1 LOOP
    INSERT INTO data_versions AS d (tenant_id, table_name, version) VALUES (t, tbl, 1)
      ON CONFLICT (tenant_id, table_name) DO UPDATE SET version = d.version + 1, changed_at = now()
      RETURNING d.version INTO v;
    PERFORM pg_notify('pulse_data_changed', t::text || ':' || tbl || ':' || v::text);
  END LOOP;
END $$;

CREATE FUNCTION pulse_capture_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  tenants uuid[];
BEGIN
  INSERT INTO change_outbox (tenant_id, table_name, external_id, op)
    SELECT tenant_id, TG_TABLE_NAME, external_id, 'embed' FROM new_rows;
  SELECT array_agg(DISTINCT tenant_id) INTO tenants FROM new_rows;
  IF tenants IS NOT NULL THEN
    PERFORM pulse_bump_versions(TG_TABLE_NAME, tenants);
    PERFORM pg_notify('pulse_outbox', TG_TABLE_NAME);
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION pulse_capture_delete() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  tenants uuid[];
BEGIN
  INSERT INTO change_outbox (tenant_id, table_name, external_id, op)
    SELECT tenant_id, TG_TABLE_NAME, external_id, 'delete' FROM old_rows;
  SELECT array_agg(DISTINCT tenant_id) INTO tenants FROM old_rows;
  IF tenants IS NOT NULL THEN
    PERFORM pulse_bump_versions(TG_TABLE_NAME, tenants);
    PERFORM pg_notify('pulse_outbox', TG_TABLE_NAME);
  END IF;
  RETURN NULL;
END $$;

-- TRUNCATE has no transition table: the rows are read before they go.
CREATE FUNCTION pulse_capture_truncate() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  tenants uuid[];
BEGIN
  EXECUTE format(
    'INSERT INTO change_outbox (tenant_id, table_name, external_id, op)
       SELECT tenant_id, %L, external_id, ''delete'' FROM %I.%I', TG_TABLE_NAME, TG_TABLE_SCHEMA, TG_TABLE_NAME);
  EXECUTE format('SELECT array_agg(DISTINCT tenant_id) FROM %I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME) INTO tenants;
  IF tenants IS NOT NULL THEN
    PERFORM pulse_bump_versions(TG_TABLE_NAME, tenants);
    PERFORM pg_notify('pulse_outbox', TG_TABLE_NAME);
  END IF;
  RETURN NULL;
END $$;

-- Updates compare business columns only: the worker's own bookkeeping (vectorized_at, vector_hash, ...)
-- changes no version and queues nothing. A row moved to another key is a delete plus an insert.
DO $do$
DECLARE
  spec record;
BEGIN
  FOR spec IN SELECT * FROM (VALUES
    ('work_items', 'tenant_id, external_id, project, title, description, type, status, priority, assignee, reporter, story_points, labels, created_at, updated_at, resolved_at'),
    ('pull_requests', 'tenant_id, external_id, repository, title, description, author, state, reviewers, additions, deletions, changed_files, work_item_keys, created_at, merged_at, closed_at'),
    ('deployments', 'tenant_id, external_id, service, environment, status, version, commit_sha, started_at, finished_at')
  ) AS s(tbl, cols) LOOP
    EXECUTE format($f$
      CREATE FUNCTION %1$I() RETURNS trigger
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $body$
      DECLARE
        tenants uuid[];
        queued bigint;
      BEGIN
        WITH changed AS (
          SELECT o.tenant_id AS old_tenant, o.external_id AS old_ext, n.tenant_id AS new_tenant,
                 n.external_id AS new_ext, o.embed_hash AS old_embed, n.embed_hash AS new_embed,
                 o.content_hash AS old_content, n.content_hash AS new_content
            FROM old_rows o FULL JOIN new_rows n ON n.id = o.id
           WHERE ROW(%3$s) IS DISTINCT FROM ROW(%4$s)
        ), queued AS (
          INSERT INTO change_outbox (tenant_id, table_name, external_id, op)
          SELECT new_tenant, %2$L, new_ext,
                 CASE WHEN old_tenant IS DISTINCT FROM new_tenant OR old_ext IS DISTINCT FROM new_ext
                        OR old_embed IS DISTINCT FROM new_embed THEN 'embed' ELSE 'payload' END
            FROM changed
           WHERE new_tenant IS NOT NULL
             AND (old_tenant IS DISTINCT FROM new_tenant OR old_ext IS DISTINCT FROM new_ext
                  OR old_content IS DISTINCT FROM new_content)
          UNION ALL
          SELECT old_tenant, %2$L, old_ext, 'delete'
            FROM changed
           WHERE old_tenant IS NOT NULL
             AND (old_tenant IS DISTINCT FROM new_tenant OR old_ext IS DISTINCT FROM new_ext)
          RETURNING 1
        )
        SELECT (SELECT array_agg(DISTINCT t) FROM changed, LATERAL (VALUES (old_tenant), (new_tenant)) AS v(t)),
               (SELECT count(*) FROM queued)
          INTO tenants, queued;
        IF tenants IS NOT NULL THEN
          PERFORM pulse_bump_versions(%2$L, tenants);
        END IF;
        IF queued > 0 THEN
          PERFORM pg_notify('pulse_outbox', %2$L);
        END IF;
        RETURN NULL;
      END $body$$f$,
      spec.tbl || '_capture_update', spec.tbl,
      (SELECT string_agg('o.' || trim(c), ', ') FROM unnest(string_to_array(spec.cols, ',')) AS c),
      (SELECT string_agg('n.' || trim(c), ', ') FROM unnest(string_to_array(spec.cols, ',')) AS c));

    EXECUTE format('CREATE TRIGGER %1$I AFTER INSERT ON %2$I REFERENCING NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION pulse_capture_insert()', spec.tbl || '_capture_insert', spec.tbl);
    EXECUTE format('CREATE TRIGGER %1$I AFTER UPDATE ON %2$I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION %3$I()', spec.tbl || '_capture_update', spec.tbl, spec.tbl || '_capture_update');
    EXECUTE format('CREATE TRIGGER %1$I AFTER DELETE ON %2$I REFERENCING OLD TABLE AS old_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION pulse_capture_delete()', spec.tbl || '_capture_delete', spec.tbl);
    EXECUTE format('CREATE TRIGGER %1$I BEFORE TRUNCATE ON %2$I
                    FOR EACH STATEMENT EXECUTE FUNCTION pulse_capture_truncate()', spec.tbl || '_capture_truncate', spec.tbl);
  END LOOP;
END
$do$;

-- Other pods cache verified keys: a revoked or deleted key is announced to them.
CREATE FUNCTION pulse_notify_api_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('pulse_api_keys', OLD.prefix);
  RETURN NULL;
END $$;
CREATE TRIGGER api_keys_notify AFTER UPDATE OF revoked_at, hash, tenant_id OR DELETE ON api_keys
  FOR EACH ROW EXECUTE FUNCTION pulse_notify_api_key();

