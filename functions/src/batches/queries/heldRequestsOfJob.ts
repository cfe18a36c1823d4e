import type { Queryable } from '../../shared/postgres';
import type { HeldRequest } from './holdRequestsForJob';

/** A page of the requests a job still holds (each is released as it is applied, so the next page follows). */
export async function heldRequestsOfJob(db: Queryable, jobId: string, limit = 100, after = ''): Promise<Array<HeldRequest & { pool_key: string }>> {
  const { rows } = await db.query<HeldRequest & { pool_key: string }>(
    'SELECT request_key, pool_key, params, target_count, result FROM generation_requests WHERE held_by_job = $1 AND request_key > $3 ORDER BY request_key LIMIT $2',
    [jobId, limit, after],
  );
  return rows;
}

/** A verify job recorded (its requests passed to it) whose lines are not recorded yet: nothing of it was sent. */
export async function verifyJobUnsubmitted(db: Queryable, jobId: string): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM openai_batch_jobs j WHERE j.job_id = $1 AND j.status = 'submitting'
        AND NOT EXISTS (SELECT 1 FROM openai_batch_lines l WHERE l.job_id = j.job_id)`,
    [jobId],
  );
  return rows.length > 0;
}

/** Whether a job is closed (every request it held let go). */
export async function jobApplied(db: Queryable, jobId: string): Promise<boolean> {
  const { rows } = await db.query("SELECT 1 FROM openai_batch_jobs WHERE job_id = $1 AND status = 'applied'", [jobId]);
  return rows.length > 0;
}
