import type { Queryable } from '../../shared/postgres';

/** A transient failure: give the lease back so the retried task can claim it at once. */
export async function releaseGenerationRequest(db: Queryable, requestKey: string, attempt: number, error: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE generation_requests
        SET status = 'pending', lease_expires_at = NULL, last_error = $3, updated_at = now()
      WHERE request_key = $1 AND status = 'running' AND attempts = $2`,
    [requestKey, attempt, error.slice(0, 2000)],
  );
  return rowCount === 1;
}
