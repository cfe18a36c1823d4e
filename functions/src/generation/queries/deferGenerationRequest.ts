import type { Queryable } from '../../shared/postgres';

/**
 * Back to pending, not claimable before `notBefore` (a 429's Retry-After, a spent budget). The
 * attempt is given back: waiting on someone else's limit must not use up max_attempts.
 */
export async function deferGenerationRequest(db: Queryable, requestKey: string, attempt: number, notBefore: Date, reason: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE generation_requests
        SET status = 'pending', attempts = attempts - 1, lease_expires_at = NULL, not_before = $3, last_error = $4, updated_at = now()
      WHERE request_key = $1 AND status = 'running' AND attempts = $2`,
    [requestKey, attempt, notBefore, reason.slice(0, 2000)],
  );
  return rowCount === 1;
}
