import type { Queryable } from '../../shared/postgres';

/** Rows out of attempts that nobody holds any more: failed, so they stop looking alive. */
export async function failExhaustedRequests(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ request_key: string }>(
    `UPDATE generation_requests
        SET status = 'failed', lease_expires_at = NULL, finished_at = now(), updated_at = now(),
            last_error = coalesce(last_error || ' — ', '') || 'attempts exhausted'
      WHERE attempts >= max_attempts
        AND (status = 'pending' OR (status = 'running' AND lease_expires_at < now()))
      RETURNING request_key`,
  );
  return rows.map((row) => row.request_key);
}
