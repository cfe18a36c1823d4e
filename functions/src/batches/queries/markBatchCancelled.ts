import type { Queryable } from '../../shared/postgres';

/**
 * created|running → cancelled: the batch stops taking pools, and pools never accepted are dropped
 * (counted cancelled). False when the batch was not cancellable (already final or cancelled).
 */
export async function markBatchCancelled(db: Queryable, batchId: string): Promise<boolean> {
  const { rows } = await db.query<{ changed: boolean }>(
    `WITH dropped AS (
       UPDATE generation_batch_requests SET state = 'dropped'
        WHERE batch_id = $1 AND state = 'planned'
          AND EXISTS (SELECT 1 FROM generation_batches WHERE batch_id = $1 AND status IN ('created', 'running'))
        RETURNING 1
     )
     UPDATE generation_batches
        SET status = 'cancelled', cancelled = cancelled + (SELECT count(*) FROM dropped)::int, seq = seq + 1, updated_at = now()
      WHERE batch_id = $1 AND status IN ('created', 'running')
      RETURNING true AS changed`,
    [batchId],
  );
  return rows[0]?.changed === true;
}
