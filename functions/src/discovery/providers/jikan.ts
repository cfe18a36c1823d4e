import { z } from 'zod';
import type { Catalogue, DiscoveryProvider, Feed, FeedResult } from '../types';
import { isoDate, UpstreamClient, type UpstreamSettings } from '../upstream';

export const JIKAN_DEFAULT_BASE_URL = 'https://api.jikan.moe/v4';
export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
// Jikan allows 3 requests a second (and 60 a minute); spacing them keeps us under both in bursts.
export const JIKAN_MIN_INTERVAL_MS = 350;

const catalogue: Catalogue = {
  trending: { categories: ['anime', 'manga'] },
  popular: { categories: ['anime', 'manga'] },
  upcoming: { categories: ['anime'] },
  schedule: { categories: WEEKDAYS },
};

const listSchema = z.object({
  data: z.array(
    z.object({
      mal_id: z.number(),
      url: z.string().nullish(),
      images: z.object({ jpg: z.object({ image_url: z.string().nullish(), large_image_url: z.string().nullish() }).partial().optional() }).partial().nullish(),
      title: z.string(),
      title_english: z.string().nullish(),
      score: z.number().nullish(),
      aired: z.object({ from: z.string().nullish() }).nullish(),
      published: z.object({ from: z.string().nullish() }).nullish(),
    }),
  ),
  pagination: z.object({ items: z.object({ total: z.number() }).partial().optional() }).partial().optional(),
});

function path(feed: Feed): string {
  switch (feed.endpoint) {
    case 'trending':
      return `/top/${feed.category}?filter=${feed.category === 'manga' ? 'publishing' : 'airing'}`;
    case 'popular':
      return `/top/${feed.category}?filter=bypopularity`;
    case 'upcoming':
      return '/seasons/upcoming';
    default:
      return `/schedules?filter=${feed.category}`;
  }
}

export function createJikanProvider(settings: UpstreamSettings & { sleep?: (ms: number) => Promise<void> }): DiscoveryProvider {
  const client = new UpstreamClient({ ...settings, provider: 'jikan', minIntervalMs: JIKAN_MIN_INTERVAL_MS });
  return {
    name: 'jikan',
    catalogue,
    configured: () => true,
    async fetchFeed(feed): Promise<FeedResult> {
      const body = await client.json(listSchema, `${client.baseUrl}${path(feed)}`);
      const category = feed.endpoint === 'schedule' || feed.endpoint === 'upcoming' ? 'anime' : feed.category!;
      const items = body.data.map((r, index) => ({
        id: `jikan:${r.mal_id}`,
        title: r.title_english ?? r.title,
        subtitle: r.title_english && r.title_english !== r.title ? r.title : null,
        image: r.images?.jpg?.large_image_url ?? r.images?.jpg?.image_url ?? null,
        releaseDate: isoDate(r.aired?.from ?? r.published?.from),
        rank: index + 1,
        score: r.score ?? null,
        url: r.url ?? null,
        category,
      }));
      return { items, totalResults: body.pagination?.items?.total ?? items.length };
    },
  };
}
