import type { Queryable } from '../../shared/postgres';

import { CANCELLED_BY_ADMIN } from '../../generation/queries/reopenGenerationRequest';

// Users' identical requests never reopen what this cancels (generation/queries/reopenGenerationRequest.ts).
export const CANCELLED_PREFIX = CANCELLED_BY_ADMIN;

/**
 * Pending and running requests become failed with a "cancelled" error: a running attempt loses its
 * lease, so its completion (and any later attempt) is refused. Only an admin retry reopens them.
 * `cancelled` lists what this call changed; `mirror` also lists targets an earlier cancel already
 * changed, whose status mirror that call may have died before writing (written again, idempotent).
 */
export async function cancelGenerationRequests(db: Queryable, requestKeys: string[], by: string): Promise<{ cancelled: string[]; mirror: string[] }> {
  const { rows } = await db.query<{ request_key: string; changed: boolean }>(
    `WITH changed AS (
       UPDATE generation_requests
          SET status = 'failed', last_error = $2, lease_expires_at = NULL, not_before = NULL, finished_at = now(), updated_at = now()
        WHERE request_key = ANY($1) AND status IN ('pending', 'running')
        RETURNING request_key
     )
     SELECT request_key, true AS changed FROM changed
     UNION ALL
     SELECT request_key, false FROM generation_requests
      WHERE request_key = ANY($1) AND status = 'failed' AND starts_with(last_error, $3)`,
    [requestKeys, `${CANCELLED_PREFIX} (${by})`, CANCELLED_PREFIX],
  );
  return { cancelled: rows.filter((r) => r.changed).map((r) => r.request_key), mirror: rows.map((r) => r.request_key) };
}
