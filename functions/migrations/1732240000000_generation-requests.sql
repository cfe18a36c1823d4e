-- Up Migration

-- One row per distinct unit of work: "ensure pool P holds at least N questions".
-- Postgres is the truth for work; Firestore is the truth for content.
CREATE TABLE generation_requests (
  request_key      text PRIMARY KEY CHECK (request_key ~ '^[0-9a-f]{64}$'),
  pool_key         text NOT NULL,
  params           jsonb NOT NULL,
  target_count     integer NOT NULL CHECK (target_count > 0),
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'failed')),
  attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts     integer NOT NULL DEFAULT 5 CHECK (max_attempts > 0),
  -- Cloud Tasks ids are derived from request_key and this counter; enqueued_at NULL means
  -- "nobody has queued it yet" (first enqueue failed, or a rescue is due).
  enqueue_count    integer NOT NULL DEFAULT 0,
  enqueued_at      timestamptz,
  lease_expires_at timestamptz,
  last_error       text,
  -- The validated generator output, stored before any Firestore write: a retry never pays twice.
  result           jsonb,
  generated_count  integer,
  tokens_in        integer NOT NULL DEFAULT 0,
  tokens_out       integer NOT NULL DEFAULT 0,
  requested_by     text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  started_at       timestamptz,
  finished_at      timestamptz,
  CHECK (status <> 'running' OR lease_expires_at IS NOT NULL)
);

CREATE INDEX generation_requests_pool_key_idx ON generation_requests (pool_key);
CREATE INDEX generation_requests_status_created_idx ON generation_requests (status, created_at);
-- The sweeper's scan: running rows whose lease has expired.
CREATE INDEX generation_requests_running_lease_idx ON generation_requests (lease_expires_at) WHERE status = 'running';

-- Who asked for a request: read access to its status mirror, and per-user accounting.
CREATE TABLE generation_requesters (
  request_key  text NOT NULL REFERENCES generation_requests (request_key) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  uid          text NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (request_key, uid)
);

CREATE INDEX generation_requesters_uid_idx ON generation_requesters (uid, requested_at);

-- Down Migration
DROP TABLE generation_requesters;
DROP TABLE generation_requests;
