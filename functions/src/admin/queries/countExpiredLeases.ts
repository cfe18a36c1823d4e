import type { Queryable } from '../../shared/postgres';

export async function countExpiredLeases(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM generation_requests WHERE status = 'running' AND lease_expires_at < now()`);
  return rows[0]?.n ?? 0;
}
