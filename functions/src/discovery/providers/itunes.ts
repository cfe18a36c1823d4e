import { z } from 'zod';
import type { Catalogue, DiscoveryProvider, FeedResult } from '../types';
import { dayPrecision, isoDate, UpstreamClient, type UpstreamSettings } from '../upstream';

/** Apple's marketing RSS feeds carry the iTunes / Apple Music charts. */
export const ITUNES_DEFAULT_BASE_URL = 'https://rss.applemarketingtools.com/api/v2';

const catalogue: Catalogue = { charts: { categories: ['songs', 'albums'] } };

const feedSchema = z.object({
  feed: z.object({
    results: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        artistName: z.string().optional(),
        releaseDate: z.string().optional(),
        artworkUrl100: z.string().optional(),
        url: z.string().optional(),
      }),
    ),
  }),
});

export function createItunesProvider(settings: UpstreamSettings & { country: string; sleep?: (ms: number) => Promise<void> }): DiscoveryProvider {
  const client = new UpstreamClient({ ...settings, provider: 'itunes', minIntervalMs: 100 });
  return {
    name: 'itunes',
    catalogue,
    configured: () => true,
    async fetchFeed(feed): Promise<FeedResult> {
      const body = await client.json(feedSchema, `${client.baseUrl}/${settings.country.toLowerCase()}/music/most-played/50/${feed.category}.json`);
      const items = body.feed.results.map((r, index) => ({
        id: `itunes:${r.id}`,
        title: r.name,
        subtitle: r.artistName ?? null,
        image: r.artworkUrl100 ?? null,
        releaseDate: isoDate(r.releaseDate),
        releaseDatePrecision: dayPrecision(isoDate(r.releaseDate)),
        rank: index + 1,
        score: null,
        url: r.url ?? null,
        category: feed.category!,
      }));
      return { items, totalResults: items.length };
    },
  };
}
