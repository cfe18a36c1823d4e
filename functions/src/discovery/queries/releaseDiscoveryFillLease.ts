import type { Queryable } from '../../shared/postgres';

/** Drops the lease if `holder` still holds it (an expired lease may have passed to another). */
export async function releaseDiscoveryFillLease(db: Queryable, cacheKey: string, holder: string): Promise<void> {
  await db.query({
    name: 'discovery-fill-lease-release',
    text: 'DELETE FROM discovery_fill_leases WHERE cache_key = $1 AND holder = $2',
  }, [cacheKey, holder]);
}
