import type { Queryable } from '../../shared/postgres';
import type { GenerationRequestRow } from './types';

/**
 * Moves a pending row (or a running row whose lease expired) to running, counts the attempt and
 * sets the lease, in one statement. No row back means it is done, failed, or leased by someone else.
 */
export async function claimGenerationRequest(db: Queryable, requestKey: string, leaseSeconds: number): Promise<GenerationRequestRow | undefined> {
  const { rows } = await db.query<GenerationRequestRow>(
    `UPDATE generation_requests
        SET status = 'running',
            attempts = attempts + 1,
            lease_expires_at = now() + make_interval(secs => $2),
            started_at = coalesce(started_at, now()),
            not_before = NULL,
            updated_at = now()
      WHERE request_key = $1
        AND attempts < max_attempts
        -- Work held by an OpenAI Batch API job is not run here until the job lets go of it.
        AND held_by_job IS NULL
        AND (not_before IS NULL OR not_before <= now())
        AND (status = 'pending' OR (status = 'running' AND lease_expires_at < now()))
      RETURNING *`,
    [requestKey, leaseSeconds],
  );
  return rows[0];
}
