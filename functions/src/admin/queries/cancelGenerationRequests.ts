import type { Queryable } from '../../shared/postgres';

import { CANCELLED_BY_ADMIN } from '../../generation/queries/reopenGenerationRequest';

// Users' identical requests never reopen what this cancels (generation/queries/reopenGenerationRequest.ts).
export const CANCELLED_PREFIX = CANCELLED_BY_ADMIN;

/**
 * Pending and running requests become failed with a "cancelled" error: a running attempt loses its
 * lease, so its completion (and any later attempt) is refused. Only an admin retry reopens them.
 */
export async function cancelGenerationRequests(db: Queryable, requestKeys: string[], by: string): Promise<string[]> {
  const { rows } = await db.query<{ request_key: string }>(
    `UPDATE generation_requests
        SET status = 'failed', last_error = $2, lease_expires_at = NULL, not_before = NULL, finished_at = now(), updated_at = now()
      WHERE request_key = ANY($1) AND status IN ('pending', 'running')
      RETURNING request_key`,
    [requestKeys, `${CANCELLED_PREFIX} (${by})`],
  );
  return rows.map((r) => r.request_key);
}
