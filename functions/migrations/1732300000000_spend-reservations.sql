-- Up Migration

-- Issue 15 §2: accepting model work reserves its estimated tokens against the user's quota and the
-- global budget, so a fresh account cannot queue many times its quota before anything is spent.
-- Reserved tokens live next to spent ones in the day's counters; in_flight counts a user's paid
-- requests not yet final (per day of acceptance).
ALTER TABLE usage_daily
  ADD COLUMN reserved bigint NOT NULL DEFAULT 0,
  ADD COLUMN in_flight integer NOT NULL DEFAULT 0;

-- What a request holds: reserved_day NULL = nothing (free work, admin batches, or already settled).
ALTER TABLE generation_requests
  ADD COLUMN reserved_tokens bigint NOT NULL DEFAULT 0,
  ADD COLUMN reserved_day date;

-- Tokens one generated question costs, measured: a moving average over finished model work.
CREATE TABLE generation_token_estimate (
  id                  boolean PRIMARY KEY DEFAULT true CHECK (id),
  tokens_per_question double precision NOT NULL CHECK (tokens_per_question > 0),
  samples             bigint NOT NULL DEFAULT 0,
  updated_at          timestamptz NOT NULL DEFAULT now()
);

-- Charges one new request to the caller's day: the request allowance always, and for paid work the
-- reservation (checked against spent + reserved tokens, user and global) and an in-flight slot.
-- Rows are locked user first, then global, everywhere (no deadlock). Returns 'ok' or the limit hit.
CREATE FUNCTION generation_charge(p_uid text, p_paid boolean, p_max_requests integer, p_user_tokens bigint,
                                  p_global_tokens bigint, p_reserve bigint, p_max_in_flight integer)
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  today date := (now() AT TIME ZONE 'utc')::date;
  u usage_daily%ROWTYPE;
  g usage_daily%ROWTYPE;
BEGIN
  IF p_max_requests <= 0 THEN RETURN 'requests'; END IF;
  INSERT INTO usage_daily (day, subject) VALUES (today, 'user:' || p_uid) ON CONFLICT DO NOTHING;
  SELECT * INTO u FROM usage_daily WHERE day = today AND subject = 'user:' || p_uid FOR UPDATE;
  IF u.requests >= p_max_requests THEN RETURN 'requests'; END IF;
  IF p_paid THEN
    IF u.tokens >= p_user_tokens OR u.tokens + u.reserved + p_reserve > p_user_tokens THEN RETURN 'user-tokens'; END IF;
    IF u.in_flight >= p_max_in_flight THEN RETURN 'in-flight'; END IF;
    INSERT INTO usage_daily (day, subject) VALUES (today, 'global') ON CONFLICT DO NOTHING;
    SELECT * INTO g FROM usage_daily WHERE day = today AND subject = 'global' FOR UPDATE;
    IF g.tokens >= p_global_tokens OR g.tokens + g.reserved + p_reserve > p_global_tokens THEN RETURN 'global-tokens'; END IF;
    UPDATE usage_daily SET reserved = reserved + p_reserve WHERE day = today AND subject = 'global';
  END IF;
  UPDATE usage_daily
     SET requests = requests + 1,
         reserved = reserved + CASE WHEN p_paid THEN p_reserve ELSE 0 END,
         in_flight = in_flight + p_paid::int
   WHERE day = today AND subject = 'user:' || p_uid;
  RETURN 'ok';
END
$$;

-- Gives back what a request holds (its reservation and in-flight slot) on the day it was taken.
CREATE FUNCTION generation_release(p_uid text, p_day date, p_reserved bigint) RETURNS void
LANGUAGE sql AS $$
  UPDATE usage_daily SET reserved = greatest(0, reserved - p_reserved), in_flight = greatest(0, in_flight - 1)
   WHERE day = p_day AND subject = 'user:' || p_uid;
  UPDATE usage_daily SET reserved = greatest(0, reserved - p_reserved)
   WHERE day = p_day AND subject = 'global';
$$;

-- Settlement: when work ends (done, failed, cancelled) or its row is deleted, the reservation is
-- returned; the real tokens were charged as each model call's usage was stored. A finished model
-- run also moves the per-question estimate (weight 0.2 for the newest run).
CREATE FUNCTION generation_settle_reservation() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.reserved_day IS NOT NULL THEN PERFORM generation_release(OLD.requested_by, OLD.reserved_day, OLD.reserved_tokens); END IF;
    RETURN OLD;
  END IF;
  IF NEW.status IN ('done', 'failed', 'cancelled') AND OLD.reserved_day IS NOT NULL THEN
    PERFORM generation_release(OLD.requested_by, OLD.reserved_day, OLD.reserved_tokens);
    NEW.reserved_day := NULL;
    NEW.reserved_tokens := 0;
  END IF;
  IF NEW.status = 'done' AND OLD.status <> 'done' AND coalesce(NEW.generated_count, 0) > 0 AND NEW.tokens_in + NEW.tokens_out > 0 THEN
    INSERT INTO generation_token_estimate AS e (tokens_per_question, samples)
    VALUES ((NEW.tokens_in + NEW.tokens_out)::double precision / NEW.generated_count, 1)
    ON CONFLICT (id) DO UPDATE
      SET tokens_per_question = 0.8 * e.tokens_per_question + 0.2 * EXCLUDED.tokens_per_question,
          samples = e.samples + 1, updated_at = now();
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER generation_requests_settle
  BEFORE UPDATE OF status ON generation_requests
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION generation_settle_reservation();
CREATE TRIGGER generation_requests_settle_delete
  BEFORE DELETE ON generation_requests
  FOR EACH ROW WHEN (OLD.reserved_day IS NOT NULL)
  EXECUTE FUNCTION generation_settle_reservation();

-- Down Migration
DROP TRIGGER generation_requests_settle_delete ON generation_requests;
DROP TRIGGER generation_requests_settle ON generation_requests;
DROP FUNCTION generation_settle_reservation();
DROP FUNCTION generation_release(text, date, bigint);
DROP FUNCTION generation_charge(text, boolean, integer, bigint, bigint, bigint, integer);
DROP TABLE generation_token_estimate;
ALTER TABLE generation_requests DROP COLUMN reserved_day, DROP COLUMN reserved_tokens;
ALTER TABLE usage_daily DROP COLUMN in_flight, DROP COLUMN reserved;
