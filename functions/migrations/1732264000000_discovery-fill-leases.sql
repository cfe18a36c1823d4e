-- Up Migration

-- Who is fetching a discovery list right now. A miss takes the key's lease in one statement, calls
-- the provider holding no Postgres connection, stores the list and drops the lease; other instances
-- missing the same key poll for the stored row instead of queueing on a lock inside a transaction
-- (which pinned one pooled connection per waiting miss for the whole upstream call). A holder that
-- dies leaves a lease that simply expires.
CREATE TABLE discovery_fill_leases (
  cache_key  varchar(255) PRIMARY KEY,
  holder     uuid NOT NULL,
  expires_at timestamptz NOT NULL
);

-- Down Migration
DROP TABLE discovery_fill_leases;
