import type { Queryable } from '../../shared/postgres';

/**
 * Takes the right to enqueue a pending request nobody has queued (its first enqueue failed).
 * Exactly one caller wins; the counter makes its task id new.
 */
export async function claimEnqueue(db: Queryable, requestKey: string): Promise<number | undefined> {
  const { rows } = await db.query<{ enqueue_count: number }>(
    `UPDATE generation_requests
        SET enqueue_count = enqueue_count + 1, enqueued_at = now(), updated_at = now()
      WHERE request_key = $1 AND status = 'pending' AND enqueued_at IS NULL
      RETURNING enqueue_count`,
    [requestKey],
  );
  return rows[0]?.enqueue_count;
}
