-- Up Migration

-- Issue 17 §4: the pool is the unit of work. request_key hashes the pool params only (poolParams.ts
-- requestKeyOf); a request for a higher target raises the target of the pool's work (or reopens
-- done work once), a lower or equal one joins it.

-- The request key of a pool, exactly as requestKeyOf computes it: sha256 of canonical JSON
-- {"pool":{…keys sorted…}}. Every stored value is an ASCII code, slug or integer, so to_jsonb's
-- text is JSON.stringify's (test/requestGenerationPoolUnit.test.ts compares the two).
CREATE FUNCTION generation_pool_request_key(p jsonb) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT encode(sha256(convert_to(
    '{"pool":{"country":' || to_jsonb(p->>'country')::text || ',"lang":' || to_jsonb(p->>'lang')::text
    || ',"level":' || to_jsonb(p->>'level')::text || ',"subject":' || to_jsonb(p->>'subject')::text
    || ',"theme":' || to_jsonb(p->>'theme')::text || ',"type":' || to_jsonb(p->>'type')::text
    || ',"version":' || (p->>'version') || '}}', 'UTF8')), 'hex')
$$;

-- A raise reserves only its delta, on the raiser's counters, until the work is final.
CREATE TABLE generation_raises (
  request_key     text NOT NULL REFERENCES generation_requests (request_key) ON DELETE CASCADE,
  uid             text NOT NULL,
  day             date NOT NULL,
  reserved_tokens bigint NOT NULL CHECK (reserved_tokens >= 0),
  raised_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX generation_raises_request_idx ON generation_raises (request_key);

-- A carried-forward row has no status document yet: its first requesters create it (repair path).
ALTER TABLE generation_requests ADD COLUMN status_mirrored boolean NOT NULL DEFAULT true;

-- Like generation_charge, for a raise: the request allowance and the delta's reservation, no
-- in-flight slot (the work already holds one). Same lock order: user row, then global.
CREATE FUNCTION generation_charge_raise(p_uid text, p_paid boolean, p_max_requests integer, p_user_tokens bigint,
                                        p_global_tokens bigint, p_reserve bigint)
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
    INSERT INTO usage_daily (day, subject) VALUES (today, 'global') ON CONFLICT DO NOTHING;
    SELECT * INTO g FROM usage_daily WHERE day = today AND subject = 'global' FOR UPDATE;
    IF g.tokens >= p_global_tokens OR g.tokens + g.reserved + p_reserve > p_global_tokens THEN RETURN 'global-tokens'; END IF;
    UPDATE usage_daily SET reserved = reserved + p_reserve WHERE day = today AND subject = 'global';
  END IF;
  UPDATE usage_daily
     SET requests = requests + 1, reserved = reserved + CASE WHEN p_paid THEN p_reserve ELSE 0 END
   WHERE day = today AND subject = 'user:' || p_uid;
  RETURN 'ok';
END
$$;

-- Raises the pool's work to p_target under its row lock, so the delta is exact however many
-- raisers race: in-flight work keeps running with the new target (the worker re-reads it), done
-- work is reopened once (the caller enqueues its one follow-up task). Failed or cancelled work is
-- left to the reopen path. outcome: raised | reopened | joined (nothing to raise) | a refusal.
CREATE FUNCTION generation_raise(p_key text, p_uid text, p_target integer, p_paid boolean, p_max_requests integer,
                                 p_user_tokens bigint, p_global_tokens bigint, p_tokens_per_question double precision, p_reserve boolean)
RETURNS TABLE (outcome text, status text, target_count integer, enqueue_count integer, enqueued_at timestamptz)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  r generation_requests%ROWTYPE;
  tokens bigint;
  charged text;
BEGIN
  SELECT * INTO r FROM generation_requests g WHERE g.request_key = p_key FOR UPDATE;
  IF NOT FOUND THEN RETURN; END IF;
  IF r.target_count >= p_target OR r.status NOT IN ('pending', 'running', 'done') THEN
    RETURN QUERY SELECT 'joined'::text, r.status, r.target_count, r.enqueue_count, r.enqueued_at;
    RETURN;
  END IF;
  tokens := CASE WHEN p_paid AND p_reserve
                 THEN ceil((p_target - r.target_count) * coalesce((SELECT e.tokens_per_question FROM generation_token_estimate e), p_tokens_per_question))::bigint
                 ELSE 0 END;
  charged := generation_charge_raise(p_uid, p_paid, p_max_requests, p_user_tokens, p_global_tokens, tokens);
  IF charged <> 'ok' THEN
    RETURN QUERY SELECT charged, r.status, r.target_count, r.enqueue_count, r.enqueued_at;
    RETURN;
  END IF;
  IF tokens > 0 THEN
    INSERT INTO generation_raises (request_key, uid, day, reserved_tokens) VALUES (p_key, p_uid, (now() AT TIME ZONE 'utc')::date, tokens);
  END IF;
  -- A stored result counted as complete for the old target is not complete for the new one.
  IF r.status = 'done' THEN
    UPDATE generation_requests g
       SET target_count = p_target, status = 'pending', attempts = 0, not_before = NULL, lease_expires_at = NULL,
           finished_at = NULL, last_error = NULL, enqueue_count = g.enqueue_count + 1, enqueued_at = now(), updated_at = now(),
           result = CASE WHEN g.result IS NULL THEN NULL ELSE g.result || '{"complete":false,"exhausted":false}'::jsonb END
     WHERE g.request_key = p_key
    RETURNING 'reopened'::text, g.status, g.target_count, g.enqueue_count, g.enqueued_at
      INTO outcome, status, target_count, enqueue_count, enqueued_at;
  ELSE
    UPDATE generation_requests g
       SET target_count = p_target, updated_at = now(),
           result = CASE WHEN g.result IS NULL THEN NULL ELSE g.result || '{"complete":false,"exhausted":false}'::jsonb END
     WHERE g.request_key = p_key
    RETURNING 'raised'::text, g.status, g.target_count, g.enqueue_count, g.enqueued_at
      INTO outcome, status, target_count, enqueue_count, enqueued_at;
  END IF;
  RETURN NEXT;
END
$$;

-- Settlement also returns the raises' reservations (tokens only: a raise holds no in-flight slot).
-- Two calls per settlement, so locks follow generation_charge's order (users' rows, then global):
-- p_global = false releases the raisers' own rows, true the global row (and forgets the raises).
CREATE FUNCTION generation_release_raises(p_key text, p_global boolean) RETURNS void
LANGUAGE sql AS $$
  UPDATE usage_daily u SET reserved = greatest(0, u.reserved - r.tokens)
    FROM (SELECT CASE WHEN p_global THEN 'global' ELSE 'user:' || uid END AS subject, day, sum(reserved_tokens) AS tokens
            FROM generation_raises WHERE request_key = p_key GROUP BY 1, 2) r
   WHERE u.day = r.day AND u.subject = r.subject;
  DELETE FROM generation_raises WHERE request_key = p_key AND p_global;
$$;

CREATE OR REPLACE FUNCTION generation_settle_reservation() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM generation_release_raises(OLD.request_key, false);
    IF OLD.reserved_day IS NOT NULL THEN PERFORM generation_release(OLD.requested_by, OLD.reserved_day, OLD.reserved_tokens); END IF;
    PERFORM generation_release_raises(OLD.request_key, true);
    RETURN OLD;
  END IF;
  IF NEW.status IN ('done', 'failed', 'cancelled') THEN
    PERFORM generation_release_raises(NEW.request_key, false);
    IF OLD.reserved_day IS NOT NULL THEN
      PERFORM generation_release(OLD.requested_by, OLD.reserved_day, OLD.reserved_tokens);
      NEW.reserved_day := NULL;
      NEW.reserved_tokens := 0;
    END IF;
    PERFORM generation_release_raises(NEW.request_key, true);
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

-- A deleted row releases its raises even when it held no reservation of its own.
DROP TRIGGER generation_requests_settle_delete ON generation_requests;
CREATE TRIGGER generation_requests_settle_delete
  BEFORE DELETE ON generation_requests
  FOR EACH ROW EXECUTE FUNCTION generation_settle_reservation();

-- Carry existing work forward: each pool whose work is done under a (pool, target) key gets its
-- pool-keyed row, done at the largest target reached, so a request at or below it is answered
-- done at once and a higher one generates only the delta. The old rows stay as they were (their
-- status documents and requesters keep working); work still in flight under an old key finishes
-- there. The new row's status document does not exist yet (status_mirrored = false).
INSERT INTO generation_requests (request_key, pool_key, params, target_count, status, max_attempts, enqueue_count, enqueued_at,
                                 generated_count, requested_by, started_at, finished_at, status_mirrored)
SELECT DISTINCT ON (pool_key) generation_pool_request_key(params), pool_key, params, target_count, 'done', max_attempts, 1, now(),
       0, requested_by, finished_at, finished_at, false
  FROM generation_requests
 WHERE status = 'done'
   AND (SELECT count(*) FROM jsonb_object_keys(params)) = 7
   AND params ?& ARRAY['lang', 'country', 'level', 'subject', 'theme', 'type', 'version']
   AND request_key <> generation_pool_request_key(params)
 ORDER BY pool_key, target_count DESC, finished_at DESC
ON CONFLICT (request_key) DO NOTHING;

-- Down Migration
DELETE FROM generation_requests WHERE NOT status_mirrored;
DROP TRIGGER generation_requests_settle_delete ON generation_requests;
CREATE TRIGGER generation_requests_settle_delete
  BEFORE DELETE ON generation_requests
  FOR EACH ROW WHEN (OLD.reserved_day IS NOT NULL)
  EXECUTE FUNCTION generation_settle_reservation();
CREATE OR REPLACE FUNCTION generation_settle_reservation() RETURNS trigger
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
DROP FUNCTION generation_release_raises(text, boolean);
DROP FUNCTION generation_raise(text, text, integer, boolean, integer, bigint, bigint, double precision, boolean);
DROP FUNCTION generation_charge_raise(text, boolean, integer, bigint, bigint, bigint);
ALTER TABLE generation_requests DROP COLUMN status_mirrored;
DROP TABLE generation_raises;
DROP FUNCTION generation_pool_request_key(jsonb);
