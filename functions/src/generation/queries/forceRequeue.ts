import type { Queryable } from '../../shared/postgres';

/** Admin retry of work that is not failed: pending or running past its lease gets a new task now. */
export async function forceRequeue(db: Queryable, requestKey: string): Promise<number | undefined> {
  const { rows } = await db.query<{ enqueue_count: number }>(
    `UPDATE generation_requests
        SET status = 'pending', lease_expires_at = NULL, not_before = NULL,
            attempts = least(attempts, max_attempts - 1),
            enqueue_count = enqueue_count + 1, enqueued_at = now(), updated_at = now()
      WHERE request_key = $1
        AND (status = 'pending' OR (status = 'running' AND lease_expires_at < now()))
      RETURNING enqueue_count`,
    [requestKey],
  );
  return rows[0]?.enqueue_count;
}
