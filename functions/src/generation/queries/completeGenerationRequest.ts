import type { Queryable } from '../../shared/postgres';

/**
 * running → done, only for the holder of this attempt's lease and only if the work's target is
 * still the one the run reached. Returns true when done, the raised target when a request for
 * more raised it meanwhile (the run continues), false when the lease is gone.
 */
export async function completeGenerationRequest(
  db: Queryable, requestKey: string, attempt: number, generatedCount: number, reachedTarget = 2_147_483_647,
): Promise<true | number | false> {
  const { rowCount } = await db.query(
    `UPDATE generation_requests
        SET status = 'done', lease_expires_at = NULL, last_error = NULL, generated_count = $3,
            finished_at = now(), updated_at = now()
      WHERE request_key = $1 AND status = 'running' AND attempts = $2 AND target_count <= $4`,
    [requestKey, attempt, generatedCount, reachedTarget],
  );
  if (rowCount === 1) return true;
  const { rows } = await db.query<{ target_count: number }>(
    `SELECT target_count FROM generation_requests WHERE request_key = $1 AND status = 'running' AND attempts = $2`,
    [requestKey, attempt],
  );
  return rows[0]?.target_count ?? false;
}
