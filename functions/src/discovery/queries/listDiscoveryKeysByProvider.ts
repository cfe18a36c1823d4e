import type { Queryable } from '../../shared/postgres';

export async function listDiscoveryKeysByProvider(db: Queryable, provider: string): Promise<string[]> {
  const { rows } = await db.query<{ cache_key: string }>(
    `SELECT cache_key FROM discovery_cache WHERE provider = $1 ORDER BY cache_key`,
    [provider],
  );
  return rows.map((row) => row.cache_key);
}
