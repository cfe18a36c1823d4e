import type { Queryable } from '../../shared/postgres';

export const READ_DISCOVERY_ACCESS_SQL = `SELECT hour, hits, misses FROM discovery_access_hourly WHERE hour >= $1 ORDER BY hour`;

export async function readDiscoveryAccessHours(db: Queryable, since: Date): Promise<Array<{ hour: Date; hits: number; misses: number }>> {
  const { rows } = await db.query<{ hour: Date; hits: string; misses: string }>(READ_DISCOVERY_ACCESS_SQL, [since]);
  return rows.map((r) => ({ hour: r.hour, hits: Number(r.hits), misses: Number(r.misses) }));
}
