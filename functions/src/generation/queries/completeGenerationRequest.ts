import type { Queryable } from '../../shared/postgres';

/** running → done, only for the holder of this attempt's lease. */
export async function completeGenerationRequest(db: Queryable, requestKey: string, attempt: number, generatedCount: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE generation_requests
        SET status = 'done', lease_expires_at = NULL, last_error = NULL, generated_count = $3,
            finished_at = now(), updated_at = now()
      WHERE request_key = $1 AND status = 'running' AND attempts = $2`,
    [requestKey, attempt, generatedCount],
  );
  return rowCount === 1;
}
