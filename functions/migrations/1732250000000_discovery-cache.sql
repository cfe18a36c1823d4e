-- Up Migration

-- Seed 003's discovery cache: one row per provider list (trending, popular, charts, upcoming…).
-- No trigger: the seed's BEFORE UPDATE trigger counted every refresh as a hit. Hits are counted in
-- memory and flushed in batches (fetch_count, miss_count, last_accessed are approximate by design).
CREATE TABLE discovery_cache (
  id            bigserial PRIMARY KEY,
  cache_key     varchar(255) NOT NULL UNIQUE,
  provider      varchar(50) NOT NULL,
  endpoint      varchar(50) NOT NULL,
  category      varchar(50),
  period        varchar(20),
  data          jsonb NOT NULL,
  total_results integer,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  last_accessed timestamptz NOT NULL DEFAULT now(),
  fetch_count   integer NOT NULL DEFAULT 0,
  -- Not in the seed: reads that had to go upstream, so stats can report a hit ratio.
  miss_count    integer NOT NULL DEFAULT 0,
  refresh_count integer NOT NULL DEFAULT 0
);

-- cache_key already has its unique index (the hit path).
CREATE INDEX discovery_cache_provider_endpoint_idx ON discovery_cache (provider, endpoint);
CREATE INDEX discovery_cache_expires_at_idx ON discovery_cache (expires_at);
CREATE INDEX discovery_cache_last_accessed_idx ON discovery_cache (last_accessed);

-- Down Migration
DROP TABLE discovery_cache;
