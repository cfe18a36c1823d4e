import { testDb } from './stack';

// Rows of every table the retention purge reaches, old and recent, under a tag of their own: rows are
// aged by rewriting their timestamps; everything else on the shared stack is younger than any period.

export function retentionRows(tag: string, requestKey: string) {
  async function seed() {
    const db = testDb();
    await db.query(
      `INSERT INTO generation_requests (request_key, pool_key, params, target_count, requested_by) VALUES ($1, $2, '{}', 1, $3)`,
      [requestKey, `purge|${tag}`, `purge-${tag}`],
    );
    await db.query(
      `INSERT INTO generation_attempts (request_key, attempt, started_at, finished_at, outcome)
       VALUES ($1, 1, now() - interval '100 days', now() - interval '100 days', 'retry'),
              ($1, 2, now() - interval '10 days', now() - interval '10 days', 'done')`,
      [requestKey],
    );
    await db.query(
      `INSERT INTO usage_daily (day, subject, requests) VALUES
         ((now() AT TIME ZONE 'utc')::date - 500, $1, 1), ((now() AT TIME ZONE 'utc')::date - 10, $1, 2)`,
      [`user:purge-${tag}`],
    );
    await db.query(
      `INSERT INTO admin_actions (at, actor_uid, action, target, outcome) VALUES
         (now() - interval '400 days', $1, 'purge-test', 'old', 'ok'), (now() - interval '5 days', $1, 'purge-test', 'recent', 'ok')`,
      [`purge-${tag}`],
    );
    await db.query(
      `INSERT INTO rate_buckets (subject, action, tokens, updated_at, allowed) VALUES
         ($1, 'draws', 0, now() - interval '2 days', false), ($1, 'answers', 0, now(), false)`,
      [`purge-${tag}`],
    );
    await db.query(
      `INSERT INTO discovery_fill_leases (cache_key, holder, expires_at) VALUES ($1, gen_random_uuid(), now() - interval '10 minutes')`,
      [`purge:${tag}`],
    );
  }

  async function left() {
    const db = testDb();
    const attempts = await db.query('SELECT attempt FROM generation_attempts WHERE request_key = $1 ORDER BY attempt', [requestKey]);
    const usage = await db.query('SELECT requests FROM usage_daily WHERE subject = $1 ORDER BY day', [`user:purge-${tag}`]);
    const audit = await db.query('SELECT target FROM admin_actions WHERE actor_uid = $1 ORDER BY at', [`purge-${tag}`]);
    const buckets = await db.query('SELECT action FROM rate_buckets WHERE subject = $1 ORDER BY action', [`purge-${tag}`]);
    const leases = await db.query('SELECT 1 FROM discovery_fill_leases WHERE cache_key = $1', [`purge:${tag}`]);
    return {
      attempts: attempts.rows.map((r) => r.attempt),
      usage: usage.rows.map((r) => r.requests),
      audit: audit.rows.map((r) => r.target),
      buckets: buckets.rows.map((r) => r.action),
      leases: leases.rowCount,
    };
  }
  return { seed, left };
}
