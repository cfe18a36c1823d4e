import type { Queryable } from '../../shared/postgres';

/** Deletes rows nobody has read for `days` days (served by the last_accessed index). */
export async function purgeUnaccessedDiscoveryEntries(db: Queryable, days: number): Promise<number> {
  const { rowCount } = await db.query(`DELETE FROM discovery_cache WHERE last_accessed < now() - make_interval(days => $1)`, [days]);
  return rowCount ?? 0;
}
