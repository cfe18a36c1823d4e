import type { Queryable } from '../../shared/postgres';

/**
 * Transaction-scoped advisory lock on one cache key: instances filling the same key queue behind
 * each other, and the lock is released by COMMIT/ROLLBACK or a dropped connection, never leaked.
 * Waiting is bounded by lock_timeout (SQLSTATE 55P03 when it runs out).
 */
export async function lockDiscoveryKey(db: Queryable, cacheKey: string, timeoutMs: number): Promise<void> {
  await db.query(`SELECT set_config('lock_timeout', $1, true)`, [`${Math.max(1, Math.round(timeoutMs))}ms`]);
  await db.query(`SELECT pg_advisory_xact_lock(hashtextextended('discovery_cache:' || $1, 0))`, [cacheKey]);
}
