import type { Queryable } from '../../shared/postgres';
import type { HeldRequest } from './holdRequestsForJob';

/** A page of the requests a job still holds (each is released as it is applied, so the next page follows). */
export async function heldRequestsOfJob(db: Queryable, jobId: string, limit = 100): Promise<Array<HeldRequest & { pool_key: string }>> {
  const { rows } = await db.query<HeldRequest & { pool_key: string }>(
    'SELECT request_key, pool_key, params, target_count, result FROM generation_requests WHERE held_by_job = $1 ORDER BY request_key LIMIT $2',
    [jobId, limit],
  );
  return rows;
}
