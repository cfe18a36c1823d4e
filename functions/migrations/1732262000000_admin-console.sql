-- Up Migration

-- The console's discovery view shows the last failed refresh of each list (shown while newer than
-- updated_at, i.e. until a refresh succeeds).
ALTER TABLE discovery_cache ADD COLUMN last_error text, ADD COLUMN last_error_at timestamptz;

-- The console's request search pages newest first.
CREATE INDEX generation_requests_created_key_idx ON generation_requests (created_at DESC, request_key DESC);

-- A reopened request (admin retry, cooldown) counts its attempts from 1 again: keyed by attempt
-- alone, its new attempts were dropped and the console's timeline (and today's token sums) missed them.
ALTER TABLE generation_attempts DROP CONSTRAINT generation_attempts_pkey;
ALTER TABLE generation_attempts ADD PRIMARY KEY (request_key, started_at, attempt);

-- Down Migration
ALTER TABLE generation_attempts DROP CONSTRAINT generation_attempts_pkey;
DELETE FROM generation_attempts a USING generation_attempts b
 WHERE a.request_key = b.request_key AND a.attempt = b.attempt AND a.started_at < b.started_at;
ALTER TABLE generation_attempts ADD PRIMARY KEY (request_key, attempt);
DROP INDEX generation_requests_created_key_idx;
ALTER TABLE discovery_cache DROP COLUMN last_error, DROP COLUMN last_error_at;
