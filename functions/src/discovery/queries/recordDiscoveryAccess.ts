import type { Queryable } from '../../shared/postgres';

export type DiscoveryAccess = { cacheKey: string; hits: number; misses: number; lastAccessed: Date };

/** Flushes many keys' batched counters in one statement (instead of one UPDATE per hit). */
export async function recordDiscoveryAccess(db: Queryable, accesses: DiscoveryAccess[]): Promise<number> {
  if (accesses.length === 0) return 0;
  const { rowCount } = await db.query(
    `UPDATE discovery_cache AS d
        SET fetch_count = d.fetch_count + a.hits,
            miss_count = d.miss_count + a.misses,
            last_accessed = greatest(d.last_accessed, a.last_accessed)
       FROM unnest($1::text[], $2::int[], $3::int[], $4::timestamptz[]) AS a(cache_key, hits, misses, last_accessed)
      WHERE d.cache_key = a.cache_key`,
    [accesses.map((a) => a.cacheKey), accesses.map((a) => a.hits), accesses.map((a) => a.misses), accesses.map((a) => a.lastAccessed)],
  );
  return rowCount ?? 0;
}
