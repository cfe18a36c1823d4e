-- Up Migration

-- The console's charts read rollups, never a scan of the raw tables.
-- Closed hours of generation_attempts, rolled up once (src/admin/queries/rollUpGenerationHours.ts);
-- the open hour is read live through generation_attempts_finished_idx. p50/p95 are of 'done' runs.
CREATE TABLE generation_hourly (
  hour        timestamptz NOT NULL,
  outcome     text NOT NULL,
  attempts    integer NOT NULL,
  model_calls integer NOT NULL,
  tokens_in   bigint NOT NULL,
  tokens_out  bigint NOT NULL,
  p50_ms      double precision,
  p95_ms      double precision,
  PRIMARY KEY (hour, outcome)
);

-- Up to where each rollup is complete: readers take rolled rows before it, raw rows after it.
CREATE TABLE admin_rollups (
  name         text PRIMARY KEY,
  rolled_until timestamptz NOT NULL
);

-- Queue depth cannot be rebuilt afterwards: one sample a minute, taken when the overview is published.
CREATE TABLE queue_depth_samples (
  at       timestamptz PRIMARY KEY,
  pending  integer NOT NULL,
  running  integer NOT NULL,
  deferred integer NOT NULL
);

-- Discovery cache reads per hour (served from the cache vs. fetched), added by the batched access flush.
CREATE TABLE discovery_access_hourly (
  hour   timestamptz PRIMARY KEY,
  hits   bigint NOT NULL DEFAULT 0,
  misses bigint NOT NULL DEFAULT 0
);

-- Down Migration
DROP TABLE discovery_access_hourly;
DROP TABLE queue_depth_samples;
DROP TABLE admin_rollups;
DROP TABLE generation_hourly;
