import type { Queryable } from '../../shared/postgres';

export type RescuedRequest = { request_key: string; enqueue_count: number; fresh: boolean };

/**
 * Rows whose work may have no live task, not re-queued for `staleSeconds`. A new task id (the
 * counter bumped, `fresh`) only for work whose task is surely gone: running with an expired lease
 * (the worker died), pending and never queued (the enqueue failed), or pending past a deferral
 * (its task was acknowledged). A pending row waiting in the backlog cannot be told apart from one
 * whose enqueue died unrecorded, so it is offered again under its current id: Cloud Tasks
 * deduplicates a task still queued, and creates the one that never was. SKIP LOCKED lets two
 * sweepers share the work.
 */
export async function rescueStaleRequests(db: Queryable, staleSeconds: number, limit: number): Promise<RescuedRequest[]> {
  const { rows } = await db.query<RescuedRequest>(
    `UPDATE generation_requests g
        SET enqueue_count = g.enqueue_count + CASE WHEN c.fresh THEN 1 ELSE 0 END, enqueued_at = now(), updated_at = now()
       FROM (
         SELECT request_key,
                (status = 'running' OR enqueued_at IS NULL OR (not_before IS NOT NULL AND enqueued_at < not_before)) AS fresh
           FROM generation_requests
          WHERE attempts < max_attempts
            AND held_by_job IS NULL
            AND (enqueued_at IS NULL OR enqueued_at < now() - make_interval(secs => $1))
            AND ((status = 'running' AND lease_expires_at < now())
              OR (status = 'pending' AND (not_before IS NULL OR not_before <= now())))
          ORDER BY updated_at
          LIMIT $2
          FOR UPDATE SKIP LOCKED) c
      WHERE g.request_key = c.request_key
      RETURNING g.request_key, g.enqueue_count, c.fresh`,
    [staleSeconds, limit],
  );
  return rows;
}
