import type { Queryable } from '../../shared/postgres';

export type HeldRequest = { request_key: string; params: unknown; target_count: number; result: unknown };

/**
 * Puts the batch's pending, never-started requests that only this batch asked for under the job:
 * the sync path leaves them alone until the job lets go. Work someone else wants keeps its sync task.
 */
export async function holdRequestsForJob(db: Queryable, batchId: string, requestKeys: readonly string[]): Promise<HeldRequest[]> {
  const { rows } = await db.query<HeldRequest>(
    `UPDATE generation_requests r SET held_by_job = $1, updated_at = now()
      WHERE r.request_key = ANY($2::text[]) AND r.status = 'pending' AND r.attempts = 0 AND r.held_by_job IS NULL
        AND NOT EXISTS (SELECT 1 FROM generation_requesters q WHERE q.request_key = r.request_key AND q.uid <> 'batch:' || $1)
      RETURNING r.request_key, r.params, r.target_count, r.result`,
    [batchId, requestKeys],
  );
  return rows;
}
