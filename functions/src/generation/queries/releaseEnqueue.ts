import type { Queryable } from '../../shared/postgres';

/** The enqueue we claimed did not happen: let the next caller (or the sweeper) try. */
export async function releaseEnqueue(db: Queryable, requestKey: string, enqueueCount: number): Promise<void> {
  await db.query(
    `UPDATE generation_requests SET enqueued_at = NULL, updated_at = now()
      WHERE request_key = $1 AND enqueue_count = $2 AND status = 'pending'`,
    [requestKey, enqueueCount],
  );
}
