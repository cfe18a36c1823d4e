import { z } from 'zod';
import { UpstreamError } from '../errors';
import type { Catalogue, DiscoveryItem, DiscoveryProvider, FeedResult } from '../types';
import { UpstreamClient, type UpstreamSettings } from '../upstream';

export const DEEZER_DEFAULT_BASE_URL = 'https://api.deezer.com';
// Deezer's quota error (code 4) comes with HTTP 200 and no Retry-After; its window is 5 seconds.
const DEEZER_QUOTA_RETRY_SECONDS = 5;

const catalogue: Catalogue = { charts: { categories: ['tracks', 'albums', 'artists'] } };
// Entries without `link` (albums, at times) get their page from the id, as deezer.com names them.
const PAGE_KIND: Record<string, string> = { tracks: 'track', albums: 'album', artists: 'artist' };

const entry = z.object({
  id: z.number(),
  title: z.string().optional(),
  name: z.string().optional(),
  position: z.number().optional(),
  link: z.string().optional(),
  rank: z.number().optional(),
  cover_medium: z.string().optional(),
  picture_medium: z.string().optional(),
  artist: z.object({ name: z.string() }).optional(),
  album: z.object({ title: z.string().optional(), cover_medium: z.string().optional() }).optional(),
});
const chartSchema = z.union([
  z.object({ error: z.object({ type: z.string().optional(), message: z.string().optional(), code: z.number().optional() }) }),
  z.object({ data: z.array(entry), total: z.number().optional() }),
]);

export function createDeezerProvider(settings: UpstreamSettings & { sleep?: (ms: number) => Promise<void> }): DiscoveryProvider {
  const client = new UpstreamClient({ ...settings, provider: 'deezer', minIntervalMs: 100 });
  return {
    name: 'deezer',
    catalogue,
    configured: () => true,
    async fetchFeed(feed): Promise<FeedResult> {
      const body = await client.json(chartSchema, `${client.baseUrl}/chart/0/${feed.category}?limit=50`);
      if ('error' in body) {
        const quota = body.error.code === 4;
        throw new UpstreamError('deezer', quota ? 'rate-limited' : 'provider-error', `error ${body.error.code}: ${body.error.message}`, undefined, quota ? DEEZER_QUOTA_RETRY_SECONDS : undefined);
      }
      const items = body.data.map(
        (r, index): DiscoveryItem => ({
          id: `deezer:${r.id}`,
          title: r.title ?? r.name ?? '',
          subtitle: r.artist?.name ?? null,
          image: r.album?.cover_medium ?? r.cover_medium ?? r.picture_medium ?? null,
          releaseDate: null,
          releaseDatePrecision: null,
          rank: r.position ?? index + 1,
          score: r.rank ?? null,
          url: r.link ?? `https://www.deezer.com/${PAGE_KIND[feed.category!] ?? 'album'}/${r.id}`,
          category: feed.category!,
        }),
      );
      return { items, totalResults: body.total ?? items.length };
    },
  };
}
