-- Each business row remembers the ingest batch that last changed it, so a batch's progress is a cheap query.
ALTER TABLE work_items ADD COLUMN last_batch_id UUID;
ALTER TABLE pull_requests ADD COLUMN last_batch_id UUID;
ALTER TABLE deployments ADD COLUMN last_batch_id UUID;
CREATE INDEX work_items_last_batch_idx ON work_items (tenant_id, last_batch_id);
CREATE INDEX pull_requests_last_batch_idx ON pull_requests (tenant_id, last_batch_id);
CREATE INDEX deployments_last_batch_idx ON deployments (tenant_id, last_batch_id);
ALTER TABLE etl_batches ADD COLUMN inserted INT NOT NULL DEFAULT 0;
ALTER TABLE etl_batches ADD COLUMN updated INT NOT NULL DEFAULT 0;
ALTER TABLE etl_batches ADD COLUMN unchanged INT NOT NULL DEFAULT 0;
ALTER TABLE etl_batches ADD COLUMN rejected INT NOT NULL DEFAULT 0;
