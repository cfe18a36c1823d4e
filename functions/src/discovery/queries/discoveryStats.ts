import type { Queryable } from '../../shared/postgres';

export type DiscoveryStatsRow = {
  provider: string;
  endpoint: string;
  entries: number;
  fetches: number;
  misses: number;
  refreshes: number;
  expired: number;
  oldestUpdate: Date;
  newestUpdate: Date;
};

export async function discoveryStats(db: Queryable): Promise<DiscoveryStatsRow[]> {
  const { rows } = await db.query<DiscoveryStatsRow>(
    `SELECT provider, endpoint,
            count(*)::int AS entries,
            sum(fetch_count)::int AS fetches,
            sum(miss_count)::int AS misses,
            sum(refresh_count)::int AS refreshes,
            count(*) FILTER (WHERE expires_at <= now())::int AS expired,
            min(updated_at) AS "oldestUpdate",
            max(updated_at) AS "newestUpdate"
       FROM discovery_cache
      GROUP BY provider, endpoint
      ORDER BY provider, endpoint`,
  );
  return rows;
}
