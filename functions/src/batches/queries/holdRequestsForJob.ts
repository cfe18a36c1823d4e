import type { Queryable } from '../../shared/postgres';

export type HeldRequest = { request_key: string; params: unknown; target_count: number; result: unknown };

/**
 * Records an OpenAI batch job of the batch and puts under it, in the same statement, the batch's
 * pending, never-started requests of `requestKeys` that only this batch asked for: the sync path
 * leaves them alone until the job lets go (a crash before the submission is found by the poller
 * as a job still 'submitting'). Work someone else wants keeps its sync task.
 */
export async function holdRequestsForJob(db: Queryable, batchId: string, jobId: string, requestKeys: readonly string[]): Promise<HeldRequest[]> {
  const { rows } = await db.query<HeldRequest>(
    `WITH job AS (
       INSERT INTO openai_batch_jobs (job_id, batch_id) VALUES ($2, $1) RETURNING job_id
     )
     UPDATE generation_requests r SET held_by_job = (SELECT job_id FROM job), updated_at = now()
      WHERE r.request_key = ANY($3::text[]) AND r.status = 'pending' AND r.attempts = 0 AND r.held_by_job IS NULL
        AND NOT EXISTS (SELECT 1 FROM generation_requesters q WHERE q.request_key = r.request_key AND q.uid <> 'batch:' || $1)
      RETURNING r.request_key, r.params, r.target_count, r.result`,
    [batchId, jobId, requestKeys],
  );
  return rows;
}
