import type { Queryable } from '../../shared/postgres';

export type DiscoveryAccess = { cacheKey: string; hits: number; misses: number; lastAccessed: Date };

/**
 * Flushes many keys' batched counters in one statement (instead of one UPDATE per hit), and adds
 * them to the hour's totals the console charts as the cache hit ratio.
 */
export async function recordDiscoveryAccess(db: Queryable, accesses: DiscoveryAccess[]): Promise<number> {
  if (accesses.length === 0) return 0;
  const { rows } = await db.query<{ n: number }>(
    `WITH updated AS (
       UPDATE discovery_cache AS d
          SET fetch_count = d.fetch_count + a.hits,
              miss_count = d.miss_count + a.misses,
              last_accessed = greatest(d.last_accessed, a.last_accessed)
         FROM unnest($1::text[], $2::int[], $3::int[], $4::timestamptz[]) AS a(cache_key, hits, misses, last_accessed)
        WHERE d.cache_key = a.cache_key
       RETURNING 1
     ), hourly AS (
       INSERT INTO discovery_access_hourly AS h (hour, hits, misses)
       SELECT date_trunc('hour', now()), sum(x.hits), sum(x.misses) FROM unnest($2::int[], $3::int[]) AS x(hits, misses)
       ON CONFLICT (hour) DO UPDATE SET hits = h.hits + EXCLUDED.hits, misses = h.misses + EXCLUDED.misses
     )
     SELECT count(*)::int AS n FROM updated`,
    [accesses.map((a) => a.cacheKey), accesses.map((a) => a.hits), accesses.map((a) => a.misses), accesses.map((a) => a.lastAccessed)],
  );
  return rows[0]?.n ?? 0;
}
