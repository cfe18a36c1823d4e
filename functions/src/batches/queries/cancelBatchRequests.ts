import type { Queryable } from '../../shared/postgres';

/**
 * Cancels the pending requests of a cancelled batch that no other requester (a user or another
 * batch) wants; running ones finish. The status trigger counts them. Returns the keys cancelled.
 */
export async function cancelBatchRequests(db: Queryable, batchId: string): Promise<string[]> {
  const { rows } = await db.query<{ request_key: string }>(
    `UPDATE generation_requests r
        SET status = 'cancelled', last_error = 'cancelled with its batch', finished_at = now(), updated_at = now()
      WHERE r.request_key IN (SELECT request_key FROM generation_batch_requests WHERE batch_id = $1)
        AND r.status = 'pending'
        AND EXISTS (SELECT 1 FROM generation_batches WHERE batch_id = $1 AND status = 'cancelled')
        AND NOT EXISTS (SELECT 1 FROM generation_requesters q WHERE q.request_key = r.request_key AND q.uid <> 'batch:' || $1)
      RETURNING r.request_key`,
    [batchId],
  );
  return rows.map((r) => r.request_key);
}
