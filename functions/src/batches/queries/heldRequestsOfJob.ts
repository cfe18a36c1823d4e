import type { Queryable } from '../../shared/postgres';
import type { HeldRequest } from './holdRequestsForJob';

export async function heldRequestsOfJob(db: Queryable, jobId: string): Promise<Array<HeldRequest & { pool_key: string }>> {
  const { rows } = await db.query<HeldRequest & { pool_key: string }>(
    'SELECT request_key, pool_key, params, target_count, result FROM generation_requests WHERE held_by_job = $1',
    [jobId],
  );
  return rows;
}
