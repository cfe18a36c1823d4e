import type { Queryable } from '../../shared/postgres';
import type { DiscoveryItem, Feed } from '../types';
import type { DiscoveryEntry } from './types';

export type UpsertDiscoveryEntryInput = Feed & { cacheKey: string; items: DiscoveryItem[]; totalResults: number; ttlSeconds: number };

/** Stores a fresh list; a replaced row counts one refresh and keeps its access statistics. */
export async function upsertDiscoveryEntry(db: Queryable, input: UpsertDiscoveryEntryInput): Promise<DiscoveryEntry> {
  const { rows } = await db.query<DiscoveryEntry>(
    `INSERT INTO discovery_cache (cache_key, provider, endpoint, category, period, data, total_results, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(secs => $8))
     ON CONFLICT (cache_key) DO UPDATE
        SET data = EXCLUDED.data,
            total_results = EXCLUDED.total_results,
            updated_at = now(),
            expires_at = EXCLUDED.expires_at,
            refresh_count = discovery_cache.refresh_count + 1
     RETURNING cache_key, data, total_results, updated_at, expires_at, false AS expired, 0 AS age_seconds`,
    [input.cacheKey, input.provider, input.endpoint, input.category, input.period, JSON.stringify(input.items), input.totalResults, input.ttlSeconds],
  );
  return rows[0]!;
}
