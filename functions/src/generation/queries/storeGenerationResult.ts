import type { Queryable } from '../../shared/postgres';

/** Saves validated output under our lease, before any Firestore write: a retry reuses it. */
export async function storeGenerationResult(db: Queryable, requestKey: string, attempt: number, result: unknown): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE generation_requests SET result = $3, updated_at = now()
      WHERE request_key = $1 AND status = 'running' AND attempts = $2`,
    [requestKey, attempt, JSON.stringify(result)],
  );
  return rowCount === 1;
}
