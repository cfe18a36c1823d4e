import { z } from 'zod';
import { ProviderNotConfiguredError } from '../errors';
import type { Catalogue, DiscoveryProvider, Feed, FeedResult } from '../types';
import { dayPrecision, isoDate, UpstreamClient, type UpstreamSettings } from '../upstream';
import { isSet } from './credentials';

export const RAWG_DEFAULT_BASE_URL = 'https://api.rawg.io/api';
const DAY_MS = 86_400_000;

const catalogue: Catalogue = {
  trending: { categories: ['game'] },
  popular: { categories: ['game'] },
  upcoming: { categories: ['game'] },
};

const listSchema = z.object({
  count: z.number().optional(),
  results: z.array(
    z.object({
      id: z.number(),
      slug: z.string().optional(),
      name: z.string(),
      released: z.string().nullish(),
      background_image: z.string().nullish(),
      rating: z.number().nullish(),
      genres: z.array(z.object({ name: z.string() })).nullish(),
    }),
  ),
});

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function query(feed: Feed, now: number): string {
  switch (feed.endpoint) {
    case 'trending':
      return `dates=${day(now - 30 * DAY_MS)},${day(now)}&ordering=-added`;
    case 'upcoming':
      return `dates=${day(now + DAY_MS)},${day(now + 365 * DAY_MS)}&ordering=-added`;
    default:
      return 'ordering=-added';
  }
}

export function createRawgProvider(settings: UpstreamSettings & { apiKey: string | undefined; sleep?: (ms: number) => Promise<void>; now?: () => number }): DiscoveryProvider {
  const client = new UpstreamClient({ ...settings, provider: 'rawg', minIntervalMs: 200 });
  const now = settings.now ?? Date.now;
  return {
    name: 'rawg',
    catalogue,
    configured: () => isSet(settings.apiKey),
    async fetchFeed(feed): Promise<FeedResult> {
      if (!isSet(settings.apiKey)) throw new ProviderNotConfiguredError('rawg', ['RAWG_API_KEY']);
      // RAWG only takes its key in the query string.
      const url = `${client.baseUrl}/games?key=${encodeURIComponent(settings.apiKey)}&page_size=20&${query(feed, now())}`;
      const body = await client.json(listSchema, url);
      const items = body.results.map((r, index) => ({
        id: `rawg:${r.id}`,
        title: r.name,
        subtitle: r.genres?.map((g) => g.name).join(', ') || null,
        image: r.background_image ?? null,
        releaseDate: isoDate(r.released),
        releaseDatePrecision: dayPrecision(isoDate(r.released)),
        rank: index + 1,
        score: r.rating ?? null,
        url: r.slug ? `https://rawg.io/games/${r.slug}` : null,
        category: 'game',
      }));
      return { items, totalResults: body.count ?? items.length };
    },
  };
}
