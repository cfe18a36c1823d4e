import type { Queryable } from '../../shared/postgres';

/** Oldest-expired first, so a backlog drains in order across hourly runs. */
export async function listExpiredDiscoveryEntries(db: Queryable, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ cache_key: string }>(
    `SELECT cache_key FROM discovery_cache WHERE expires_at <= now() ORDER BY expires_at LIMIT $1`,
    [limit],
  );
  return rows.map((row) => row.cache_key);
}
