import type { Queryable } from '../../shared/postgres';

export async function listRequestRequesters(db: Queryable, requestKey: string, limit: number): Promise<Array<{ uid: string; requestedAt: string }>> {
  const { rows } = await db.query<{ uid: string; requested_at: Date }>(
    `SELECT uid, requested_at FROM generation_requesters WHERE request_key = $1 ORDER BY requested_at LIMIT $2`,
    [requestKey, limit],
  );
  return rows.map((r) => ({ uid: r.uid, requestedAt: r.requested_at.toISOString() }));
}
