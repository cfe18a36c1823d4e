-- Up Migration

-- The carry-forward of 1732370000000 as a function, so it can be tested (and run again: it only
-- adds pool-keyed rows that do not exist). Each pool whose work is done under an old (pool,
-- target) key gets its pool-keyed row, done at the largest target reached; its status document is
-- created by its first requester (status_mirrored = false). Returns the rows added.
CREATE FUNCTION generation_carry_forward() RETURNS integer
LANGUAGE sql AS $$
  WITH added AS (
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
    ON CONFLICT (request_key) DO NOTHING
    RETURNING 1
  )
  SELECT count(*)::integer FROM added
$$;

SELECT generation_carry_forward();

-- Down Migration
DROP FUNCTION generation_carry_forward();
