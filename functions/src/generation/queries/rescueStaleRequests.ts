import type { Queryable } from '../../shared/postgres';

/**
 * Rows whose work may have no live task: running with an expired lease (the worker died), or
 * pending and not queued for a while (first enqueue failed, Cloud Tasks gave up, a deferral
 * ended). Bumps their enqueue counter so each gets a task with a fresh id. SKIP LOCKED lets two
 * sweepers share the work.
 */
export async function rescueStaleRequests(db: Queryable, staleSeconds: number, limit: number): Promise<Array<{ request_key: string; enqueue_count: number }>> {
  const { rows } = await db.query<{ request_key: string; enqueue_count: number }>(
    `UPDATE generation_requests
        SET enqueue_count = enqueue_count + 1, enqueued_at = now(), updated_at = now()
      WHERE request_key IN (
        SELECT request_key FROM generation_requests
         WHERE attempts < max_attempts
           AND held_by_job IS NULL
           AND (enqueued_at IS NULL OR enqueued_at < now() - make_interval(secs => $1))
           AND ((status = 'running' AND lease_expires_at < now())
             OR (status = 'pending' AND (not_before IS NULL OR not_before <= now())))
         ORDER BY updated_at
         LIMIT $2
         FOR UPDATE SKIP LOCKED)
      RETURNING request_key, enqueue_count`,
    [staleSeconds, limit],
  );
  return rows;
}
