-- Questions like "anything unusual this week?" are answered from the caller's open insights through the same
-- path as every other question: the semantic model's `insights` entity reads this view, the SQL guard adds the
-- tenant predicate, and the reader role runs it. security_invoker makes the view check the caller's privileges
-- and the insights table's row-level security (a plain view would read as its owner and bypass them), so the
-- reader sees app.tenant_id's open findings only. Webhook bookkeeping (alerted_at) and the evidence SQL stay out.
CREATE VIEW open_insights WITH (security_invoker = true) AS
  SELECT id, tenant_id, metric, grain, dimension_name, dimension_value, kind, window_start, window_end, direction,
         observed, expected, expected_low, expected_high, severity, summary, status, detected_at
  FROM insights
  WHERE status = 'open';

GRANT SELECT ON open_insights, insights TO pulse_ai_reader;

-- Cached answers are valid while the versions of the tables they read are unchanged: a detection run that
-- opens, extends or dismisses a finding bumps the view's version, so "anything unusual?" is never answered
-- from before it.
CREATE FUNCTION pulse_bump_open_insights() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  tenants uuid[];
BEGIN
  IF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT tenant_id) INTO tenants FROM old_rows;
  ELSE
    SELECT array_agg(DISTINCT tenant_id) INTO tenants FROM new_rows;
  END IF;
  IF tenants IS NOT NULL THEN
    PERFORM pulse_bump_versions('open_insights', tenants);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER insights_versions_insert AFTER INSERT ON insights REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION pulse_bump_open_insights();
CREATE TRIGGER insights_versions_update AFTER UPDATE ON insights REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION pulse_bump_open_insights();
CREATE TRIGGER insights_versions_delete AFTER DELETE ON insights REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION pulse_bump_open_insights();
