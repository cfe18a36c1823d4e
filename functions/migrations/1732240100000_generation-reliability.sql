-- Up Migration

-- A 429's Retry-After or a spent token budget defers a request: no claim before this time.
ALTER TABLE generation_requests ADD COLUMN not_before timestamptz;

-- One row per attempt: the monitoring view (durations, outcomes, latest errors) and token accounting.
CREATE TABLE generation_attempts (
  request_key  text NOT NULL REFERENCES generation_requests (request_key) ON DELETE CASCADE,
  attempt      integer NOT NULL,
  started_at   timestamptz NOT NULL,
  finished_at  timestamptz NOT NULL DEFAULT now(),
  outcome      text NOT NULL CHECK (outcome IN ('done', 'retry', 'failed', 'deferred', 'lease-lost')),
  model_calls  integer NOT NULL DEFAULT 0,
  tokens_in    integer NOT NULL DEFAULT 0,
  tokens_out   integer NOT NULL DEFAULT 0,
  error        text,
  PRIMARY KEY (request_key, attempt)
);
CREATE INDEX generation_attempts_finished_idx ON generation_attempts (finished_at);

-- Daily counters per user ('user:<uid>') and for everyone ('global'), UTC days.
CREATE TABLE usage_daily (
  day       date NOT NULL,
  subject   text NOT NULL,
  requests  integer NOT NULL DEFAULT 0,
  tokens    bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (day, subject)
);

-- Down Migration
DROP TABLE usage_daily;
DROP TABLE generation_attempts;
ALTER TABLE generation_requests DROP COLUMN not_before;
