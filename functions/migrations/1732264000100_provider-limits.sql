-- Up Migration

-- Provider rate limits shared by every instance (callables and the 14 refresh crons): the next free
-- request slot and a "blocked until" after a long Retry-After, one row per provider (a scope
-- prefix lets tests and benches use their own rows).
CREATE TABLE discovery_provider_limits (
  limiter       text PRIMARY KEY,
  next_slot     timestamptz NOT NULL,
  blocked_until timestamptz
);

-- Provider access tokens (IGDB's Twitch client-credentials token), shared so instances do not each
-- fetch their own.
CREATE TABLE discovery_provider_tokens (
  provider   text PRIMARY KEY,
  token      text NOT NULL,
  expires_at timestamptz NOT NULL
);

-- Down Migration
DROP TABLE discovery_provider_tokens;
DROP TABLE discovery_provider_limits;
