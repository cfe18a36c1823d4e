import type { Queryable } from '../../shared/postgres';

/** A permanent failure: stop, say why. */
export async function failGenerationRequest(db: Queryable, requestKey: string, attempt: number, error: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE generation_requests
        SET status = 'failed', lease_expires_at = NULL, last_error = $3, finished_at = now(), updated_at = now()
      WHERE request_key = $1 AND status = 'running' AND attempts = $2`,
    [requestKey, attempt, error.slice(0, 2000)],
  );
  return rowCount === 1;
}
