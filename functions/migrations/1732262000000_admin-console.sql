-- Up Migration

-- The console's discovery view shows the last failed refresh of each list (shown while newer than
-- updated_at, i.e. until a refresh succeeds).
ALTER TABLE discovery_cache ADD COLUMN last_error text, ADD COLUMN last_error_at timestamptz;

-- The console's request search pages newest first.
CREATE INDEX generation_requests_created_key_idx ON generation_requests (created_at DESC, request_key DESC);

-- Down Migration
DROP INDEX generation_requests_created_key_idx;
ALTER TABLE discovery_cache DROP COLUMN last_error, DROP COLUMN last_error_at;
