import type { Queryable } from '../../shared/postgres';

/**
 * Takes the key's fill lease for `holder` if it is free or expired; true when taken. One
 * autocommit statement: concurrent takers of a new key serialize on its primary key, one wins.
 */
export async function acquireDiscoveryFillLease(db: Queryable, cacheKey: string, holder: string, leaseMs: number): Promise<boolean> {
  const { rowCount } = await db.query({
    name: 'discovery-fill-lease-acquire',
    text: `INSERT INTO discovery_fill_leases (cache_key, holder, expires_at)
           VALUES ($1, $2, clock_timestamp() + make_interval(secs => $3 / 1000.0))
           ON CONFLICT (cache_key) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
            WHERE discovery_fill_leases.expires_at < clock_timestamp()
           RETURNING 1`,
  }, [cacheKey, holder, leaseMs]);
  return rowCount === 1;
}
