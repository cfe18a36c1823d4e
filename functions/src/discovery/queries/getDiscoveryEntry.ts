import type { Queryable } from '../../shared/postgres';
import type { DiscoveryEntry } from './types';

/** The hit path: one probe of the cache_key unique index, no write. */
export async function getDiscoveryEntry(db: Queryable, cacheKey: string): Promise<DiscoveryEntry | undefined> {
  const { rows } = await db.query<DiscoveryEntry>(
    `SELECT cache_key, data, total_results, updated_at, expires_at,
            expires_at <= now() AS expired,
            greatest(0, floor(extract(epoch FROM now() - updated_at)))::int AS age_seconds
       FROM discovery_cache
      WHERE cache_key = $1`,
    [cacheKey],
  );
  return rows[0];
}
