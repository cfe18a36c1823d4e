import type { Queryable } from '../../shared/postgres';
import type { DiscoveryItem } from '../types';

/** The cached lists a subject's trending questions are built from (this week's trending or charts). */
export const TRENDING_FEEDS: Record<string, Array<{ provider: string; endpoint: string; category: string }>> = {
  cinema: [{ provider: 'tmdb', endpoint: 'trending', category: 'movie' }],
  tv: [{ provider: 'tmdb', endpoint: 'trending', category: 'tv' }],
  anime: [{ provider: 'jikan', endpoint: 'trending', category: 'anime' }],
  'video-games': [{ provider: 'rawg', endpoint: 'trending', category: 'game' }, { provider: 'igdb', endpoint: 'trending', category: 'game' }],
  music: [{ provider: 'deezer', endpoint: 'charts', category: 'tracks' }, { provider: 'itunes', endpoint: 'charts', category: 'songs' }],
};

/** Items of the subject's cached lists refreshed in the last 8 days, de-duplicated by id. */
export async function loadTrendingItems(db: Queryable, subject: string): Promise<DiscoveryItem[]> {
  const feeds = TRENDING_FEEDS[subject] ?? [];
  if (feeds.length === 0) return [];
  const { rows } = await db.query<{ data: DiscoveryItem[] }>(
    `SELECT data FROM discovery_cache
      WHERE (provider, endpoint, category) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))
        AND updated_at > now() - interval '8 days'
      ORDER BY cache_key`,
    [feeds.map((f) => f.provider), feeds.map((f) => f.endpoint), feeds.map((f) => f.category)],
  );
  const byId = new Map<string, DiscoveryItem>();
  for (const row of rows) for (const item of row.data) if (!byId.has(item.id)) byId.set(item.id, item);
  return [...byId.values()];
}
