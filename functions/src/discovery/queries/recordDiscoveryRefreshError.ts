import type { Queryable } from '../../shared/postgres';

/** Remembers why a list's last refresh failed (the console shows it until a refresh succeeds). */
export async function recordDiscoveryRefreshError(db: Queryable, cacheKey: string, error: string): Promise<void> {
  await db.query(`UPDATE discovery_cache SET last_error = $2, last_error_at = now() WHERE cache_key = $1`, [cacheKey, error.slice(0, 500)]);
}
