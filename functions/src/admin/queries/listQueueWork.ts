import type { Queryable } from '../../shared/postgres';

export type QueueWorkRow = { requestKey: string; poolKey: string; status: string; attempts: number; leaseExpiresAt: string | null; notBefore: string | null; createdAt: string };

/** Pending and running work, oldest first (what the queue holds, as Postgres sees it). */
export async function listQueueWork(db: Queryable, limit: number): Promise<QueueWorkRow[]> {
  const { rows } = await db.query<{ request_key: string; pool_key: string; status: string; attempts: number; lease_expires_at: Date | null; not_before: Date | null; created_at: Date }>(
    `SELECT request_key, pool_key, status, attempts, lease_expires_at, not_before, created_at
       FROM generation_requests WHERE status IN ('pending', 'running')
      ORDER BY created_at LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({
    requestKey: r.request_key, poolKey: r.pool_key, status: r.status, attempts: r.attempts, leaseExpiresAt: r.lease_expires_at?.toISOString() ?? null,
    notBefore: r.not_before?.toISOString() ?? null, createdAt: r.created_at.toISOString(),
  }));
}
