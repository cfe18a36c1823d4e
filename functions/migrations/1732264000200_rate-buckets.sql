-- Up Migration

-- Per-user token buckets (draws, answers, discovery reads): one row per user and action, refilled
-- lazily from the time elapsed since its last use. UNLOGGED: losing it in a crash only hands out
-- full buckets again, and it spares the WAL one write per call.
CREATE UNLOGGED TABLE rate_buckets (
  subject    text NOT NULL,
  action     text NOT NULL,
  tokens     double precision NOT NULL,
  updated_at timestamptz NOT NULL,
  allowed    boolean NOT NULL,
  PRIMARY KEY (subject, action)
);
CREATE INDEX rate_buckets_updated_at_idx ON rate_buckets (updated_at);

-- Down Migration
DROP TABLE rate_buckets;
