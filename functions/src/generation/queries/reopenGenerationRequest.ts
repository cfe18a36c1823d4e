import type { Queryable } from '../../shared/postgres';

/**
 * failed (or cancelled) → pending with fresh attempts, once the failure is older than the cooldown (an admin
 * retry passes 0). Any stored partial result is kept: it was paid for. Returns the enqueue
 * counter the caller must use, or nothing if the row is not reopenable.
 */
export async function reopenGenerationRequest(db: Queryable, requestKey: string, cooldownSeconds: number): Promise<number | undefined> {
  const { rows } = await db.query<{ enqueue_count: number }>(
    `UPDATE generation_requests
        SET status = 'pending', attempts = 0, not_before = NULL, lease_expires_at = NULL, finished_at = NULL,
            enqueue_count = enqueue_count + 1, enqueued_at = now(), updated_at = now()
      WHERE request_key = $1
        AND ((status = 'failed' AND finished_at <= now() - make_interval(secs => $2))
          -- Work cancelled with its batch is wanted again: no cooldown, nothing was wrong with it.
          OR status = 'cancelled')
      RETURNING enqueue_count`,
    [requestKey, cooldownSeconds],
  );
  return rows[0]?.enqueue_count;
}
