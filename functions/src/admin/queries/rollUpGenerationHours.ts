import type { Queryable } from '../../shared/postgres';

/** The rollups never reach further back than this: the longest chart window. */
export const ROLLUP_HORIZON_DAYS = 14;

// Rolls the hours closed since the last run (and the last rolled hour again, for runs that committed
// late) from generation_attempts into generation_hourly: an index range over those hours only. Rolled
// hours older than the horizon are dropped. An hour
// counts as closed a minute after it ends. Concurrent callers skip (advisory lock): readers stay right
// either way, since they read raw rows after rolled_until.
const SQL = `
WITH lock AS (
  SELECT pg_try_advisory_xact_lock(hashtext('admin_rollups:generation_hourly')) AS got
), bounds AS (
  SELECT greatest(coalesce((SELECT rolled_until FROM admin_rollups WHERE name = 'generation_hourly') - interval '1 hour', '-infinity'),
                  date_trunc('hour', now()) - make_interval(days => $1)) AS since,
         date_trunc('hour', now() - interval '1 minute') AS until,
         (SELECT rolled_until FROM admin_rollups WHERE name = 'generation_hourly') AS previous), todo AS (
  SELECT since, until, previous FROM bounds, lock
   WHERE lock.got AND until > coalesce((SELECT rolled_until FROM admin_rollups WHERE name = 'generation_hourly'), '-infinity')
), rolled AS (
  INSERT INTO generation_hourly AS h (hour, outcome, attempts, model_calls, tokens_in, tokens_out, p50_ms, p95_ms)
  SELECT date_trunc('hour', a.finished_at), a.outcome, count(*), sum(a.model_calls), sum(a.tokens_in), sum(a.tokens_out),
         percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM a.finished_at - a.started_at) * 1000) FILTER (WHERE a.outcome = 'done'),
         percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM a.finished_at - a.started_at) * 1000) FILTER (WHERE a.outcome = 'done')
    FROM todo JOIN generation_attempts a ON a.finished_at >= todo.since AND a.finished_at < todo.until
   GROUP BY 1, 2
  ON CONFLICT (hour, outcome) DO UPDATE
     SET attempts = EXCLUDED.attempts, model_calls = EXCLUDED.model_calls, tokens_in = EXCLUDED.tokens_in,
         tokens_out = EXCLUDED.tokens_out, p50_ms = EXCLUDED.p50_ms, p95_ms = EXCLUDED.p95_ms
  RETURNING 1
), pruned AS (
  -- Rows past the horizon are no chart's: dropped in the same pass, over the band that aged out since
  -- the last pass (a bounded primary-key range; the first pass finds nothing older).
  DELETE FROM generation_hourly
   WHERE hour >= (SELECT previous FROM todo) - make_interval(days => $1 + 1) AND hour < date_trunc('hour', now()) - make_interval(days => $1 + 1)
), pruned_access AS (
  DELETE FROM discovery_access_hourly
   WHERE hour >= (SELECT previous FROM todo) - make_interval(days => $1 + 1) AND hour < date_trunc('hour', now()) - make_interval(days => $1 + 1)
), marked AS (
  INSERT INTO admin_rollups (name, rolled_until) SELECT 'generation_hourly', until FROM todo
  ON CONFLICT (name) DO UPDATE SET rolled_until = greatest(admin_rollups.rolled_until, EXCLUDED.rolled_until)
  RETURNING rolled_until
)
SELECT (SELECT count(*)::int FROM rolled) AS rows, (SELECT rolled_until FROM marked) AS rolled_until`;

export const ROLL_UP_GENERATION_HOURS_SQL = SQL;

/** Returns how many (hour, outcome) rows were written and the new watermark (null: nothing to do). */
export async function rollUpGenerationHours(db: Queryable, horizonDays = ROLLUP_HORIZON_DAYS): Promise<{ rows: number; rolledUntil: Date | null }> {
  const { rows } = await db.query<{ rows: number; rolled_until: Date | null }>(SQL, [horizonDays]);
  return { rows: rows[0]!.rows, rolledUntil: rows[0]!.rolled_until };
}
