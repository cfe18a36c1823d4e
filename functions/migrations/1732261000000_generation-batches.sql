-- Up Migration

-- A batch cancels the pending work nobody else wants: a final state next to done and failed.
ALTER TABLE generation_requests DROP CONSTRAINT generation_requests_status_check;
ALTER TABLE generation_requests ADD CONSTRAINT generation_requests_status_check
  CHECK (status IN ('pending', 'running', 'done', 'failed', 'cancelled'));
-- Cost visibility: prompt tokens OpenAI served from its prompt cache (billed at a discount).
ALTER TABLE generation_requests ADD COLUMN cached_tokens_in integer NOT NULL DEFAULT 0;

-- A named, idempotent set of generation requests expanded from a plan (batch_id = hash of the plan).
-- Counters move only inside the trigger below, on a request's status transition, so a replayed
-- task or a second start never counts anything twice.
CREATE TABLE generation_batches (
  batch_id           text PRIMARY KEY CHECK (batch_id ~ '^[0-9a-f]{64}$'),
  name               text NOT NULL,
  mode               text NOT NULL CHECK (mode IN ('sync', 'batch')),
  status             text NOT NULL DEFAULT 'created' CHECK (status IN ('created', 'running', 'done', 'failed', 'cancelled')),
  total              integer NOT NULL CHECK (total > 0),
  -- Counts of linked requests by status; pools not linked yet count as pending when read.
  pending            integer NOT NULL DEFAULT 0,
  running            integer NOT NULL DEFAULT 0,
  done               integer NOT NULL DEFAULT 0,
  failed             integer NOT NULL DEFAULT 0,
  cancelled          integer NOT NULL DEFAULT 0,
  questions_written  bigint NOT NULL DEFAULT 0,
  tokens_in          bigint NOT NULL DEFAULT 0,
  tokens_out         bigint NOT NULL DEFAULT 0,
  cached_tokens_in   bigint NOT NULL DEFAULT 0,
  estimate           jsonb NOT NULL,
  created_by         text NOT NULL,
  -- Millisecond precision: listBatches' cursor carries it through a JS Date.
  created_at         timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  started_at         timestamptz,
  finished_at        timestamptz,
  updated_at         timestamptz NOT NULL DEFAULT now(),
  -- Grows with every change: the Firestore mirror never writes an older picture over a newer one.
  seq                bigint NOT NULL DEFAULT 1,
  -- The seq last copied to Firestore: mirror writes are serialized per batch and skip when current.
  mirrored_seq       bigint NOT NULL DEFAULT 0
);
CREATE INDEX generation_batches_created_idx ON generation_batches (created_at DESC, batch_id DESC);

-- One row per pool of the expanded plan. state: planned (not accepted yet), linked (its request
-- is counted in the batch), dropped (cancelled before it was ever accepted).
CREATE TABLE generation_batch_requests (
  batch_id     text NOT NULL REFERENCES generation_batches (batch_id) ON DELETE CASCADE,
  position     integer NOT NULL,
  request_key  text NOT NULL,
  pool_key     text NOT NULL,
  target_count integer NOT NULL,
  params       jsonb NOT NULL,
  state        text NOT NULL DEFAULT 'planned' CHECK (state IN ('planned', 'linked', 'dropped')),
  PRIMARY KEY (batch_id, position),
  UNIQUE (batch_id, request_key)
);
CREATE INDEX generation_batch_requests_request_idx ON generation_batch_requests (request_key) WHERE state = 'linked';

-- Batch status from its counters: done/failed only when every pool is final; created and
-- cancelled are set by startBatch/cancelBatch only. finished_at once every pool is final.
CREATE FUNCTION generation_batch_settle(id text) RETURNS void
LANGUAGE sql AS $$
  UPDATE generation_batches b
     SET status = CASE
                    WHEN b.status IN ('created', 'cancelled') THEN b.status
                    WHEN b.done + b.failed + b.cancelled < b.total THEN 'running'
                    WHEN b.failed > 0 THEN 'failed'
                    ELSE 'done'
                  END,
         finished_at = CASE WHEN b.done + b.failed + b.cancelled >= b.total AND b.status <> 'created' THEN coalesce(b.finished_at, now()) END,
         seq = b.seq + 1,
         updated_at = now()
   WHERE b.batch_id = id
     AND (b.status IS DISTINCT FROM CASE
                    WHEN b.status IN ('created', 'cancelled') THEN b.status
                    WHEN b.done + b.failed + b.cancelled < b.total THEN 'running'
                    WHEN b.failed > 0 THEN 'failed'
                    ELSE 'done'
                  END
       OR b.finished_at IS DISTINCT FROM CASE WHEN b.done + b.failed + b.cancelled >= b.total AND b.status <> 'created' THEN coalesce(b.finished_at, now()) END)
$$;

CREATE FUNCTION generation_batches_on_request_transition() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  final_old boolean := OLD.status IN ('done', 'failed', 'cancelled');
  final_new boolean := NEW.status IN ('done', 'failed', 'cancelled');
BEGIN
  UPDATE generation_batches b
     SET pending   = b.pending   - (OLD.status = 'pending')::int   + (NEW.status = 'pending')::int,
         running   = b.running   - (OLD.status = 'running')::int   + (NEW.status = 'running')::int,
         done      = b.done      - (OLD.status = 'done')::int      + (NEW.status = 'done')::int,
         failed    = b.failed    - (OLD.status = 'failed')::int    + (NEW.status = 'failed')::int,
         cancelled = b.cancelled - (OLD.status = 'cancelled')::int + (NEW.status = 'cancelled')::int,
         -- Work is counted when it becomes final, and taken back if it is ever reopened.
         questions_written = b.questions_written
           - CASE WHEN OLD.status = 'done' THEN coalesce(OLD.generated_count, 0) ELSE 0 END
           + CASE WHEN NEW.status = 'done' THEN coalesce(NEW.generated_count, 0) ELSE 0 END,
         tokens_in  = b.tokens_in  - CASE WHEN final_old THEN OLD.tokens_in ELSE 0 END  + CASE WHEN final_new THEN NEW.tokens_in ELSE 0 END,
         tokens_out = b.tokens_out - CASE WHEN final_old THEN OLD.tokens_out ELSE 0 END + CASE WHEN final_new THEN NEW.tokens_out ELSE 0 END,
         cached_tokens_in = b.cached_tokens_in - CASE WHEN final_old THEN OLD.cached_tokens_in ELSE 0 END + CASE WHEN final_new THEN NEW.cached_tokens_in ELSE 0 END,
         seq = b.seq + 1,
         updated_at = now()
    FROM generation_batch_requests l
   WHERE l.request_key = NEW.request_key AND l.state = 'linked' AND b.batch_id = l.batch_id;
  PERFORM generation_batch_settle(l.batch_id)
     FROM generation_batch_requests l
    WHERE l.request_key = NEW.request_key AND l.state = 'linked';
  RETURN NEW;
END
$$;

CREATE TRIGGER generation_batches_count
  AFTER UPDATE OF status ON generation_requests
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION generation_batches_on_request_transition();

-- Down Migration
DROP TRIGGER generation_batches_count ON generation_requests;
DROP FUNCTION generation_batches_on_request_transition();
DROP FUNCTION generation_batch_settle(text);
DROP TABLE generation_batch_requests;
DROP TABLE generation_batches;
ALTER TABLE generation_requests DROP COLUMN cached_tokens_in;
ALTER TABLE generation_requests DROP CONSTRAINT generation_requests_status_check;
ALTER TABLE generation_requests ADD CONSTRAINT generation_requests_status_check
  CHECK (status IN ('pending', 'running', 'done', 'failed'));
