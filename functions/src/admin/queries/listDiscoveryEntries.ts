import type { Queryable } from '../../shared/postgres';

export type DiscoveryEntryRow = {
  cacheKey: string; provider: string; endpoint: string; category: string | null; period: string | null; items: number; totalResults: number | null;
  updatedAt: string; expiresAt: string; fetches: number; misses: number; hitRatio: number | null; refreshes: number; lastError: string | null; lastErrorAt: string | null;
};

type Row = {
  cache_key: string; provider: string; endpoint: string; category: string | null; period: string | null; items: number; total_results: number | null;
  updated_at: Date; expires_at: Date; fetch_count: number; miss_count: number; refresh_count: number; last_error: string | null; last_error_at: Date | null;
};

export function toDiscoveryEntryRow(r: Row): DiscoveryEntryRow {
  const reads = r.fetch_count + r.miss_count;
  // An error older than the last successful refresh is history, not news.
  const current = r.last_error_at && r.last_error_at > r.updated_at;
  return {
    cacheKey: r.cache_key, provider: r.provider, endpoint: r.endpoint, category: r.category, period: r.period, items: r.items, totalResults: r.total_results,
    updatedAt: r.updated_at.toISOString(), expiresAt: r.expires_at.toISOString(), fetches: r.fetch_count, misses: r.miss_count,
    hitRatio: reads > 0 ? r.fetch_count / reads : null, refreshes: r.refresh_count,
    lastError: current ? r.last_error : null, lastErrorAt: current ? r.last_error_at!.toISOString() : null,
  };
}

export const DISCOVERY_ENTRY_COLUMNS = `cache_key, provider, endpoint, category, period, jsonb_array_length(CASE WHEN jsonb_typeof(data) = 'array' THEN data ELSE '[]'::jsonb END) AS items,
            total_results, updated_at, expires_at, fetch_count, miss_count, refresh_count, last_error, last_error_at`;

export async function listDiscoveryEntries(db: Queryable, provider: string | undefined): Promise<DiscoveryEntryRow[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${DISCOVERY_ENTRY_COLUMNS} FROM discovery_cache WHERE ($1::text IS NULL OR provider = $1) ORDER BY provider, cache_key LIMIT 500`,
    [provider ?? null],
  );
  return rows.map(toDiscoveryEntryRow);
}
