import { z } from 'zod';
import { ProviderNotConfiguredError } from '../errors';
import type { Catalogue, DiscoveryProvider, Feed, FeedResult } from '../types';
import { dayPrecision, isoDate, UpstreamClient, type UpstreamSettings } from '../upstream';
import { isSet } from './credentials';

export const TMDB_DEFAULT_BASE_URL = 'https://api.themoviedb.org/3';
const IMAGE_BASE = 'https://image.tmdb.org/t/p/w500';

const catalogue: Catalogue = {
  trending: { categories: ['movie', 'tv'], periods: ['week', 'day'] },
  popular: { categories: ['movie', 'tv'] },
  upcoming: { categories: ['movie', 'tv'] },
};

const listSchema = z.object({
  results: z.array(
    z.object({
      id: z.number(),
      title: z.string().optional(),
      name: z.string().optional(),
      original_title: z.string().optional(),
      original_name: z.string().optional(),
      poster_path: z.string().nullish(),
      release_date: z.string().nullish(),
      first_air_date: z.string().nullish(),
      vote_average: z.number().nullish(),
    }),
  ),
  total_results: z.number().optional(),
});

function path(feed: Feed): string {
  switch (feed.endpoint) {
    case 'trending':
      return `/trending/${feed.category}/${feed.period}`;
    case 'popular':
      return `/${feed.category}/popular`;
    default:
      // TMDB has no "upcoming" for TV; "on the air" (next 7 days) is its nearest list.
      return feed.category === 'tv' ? '/tv/on_the_air' : '/movie/upcoming';
  }
}

/** TMDB v3 with a v4 read access token (Bearer), so the key never appears in a logged URL. */
export function createTmdbProvider(settings: UpstreamSettings & { apiToken: string | undefined; sleep?: (ms: number) => Promise<void> }): DiscoveryProvider {
  const client = new UpstreamClient({ ...settings, provider: 'tmdb', minIntervalMs: 25 });
  return {
    name: 'tmdb',
    catalogue,
    configured: () => isSet(settings.apiToken),
    async fetchFeed(feed): Promise<FeedResult> {
      if (!isSet(settings.apiToken)) throw new ProviderNotConfiguredError('tmdb', ['TMDB_API_TOKEN']);
      const body = await client.json(listSchema, `${client.baseUrl}${path(feed)}?language=en-US&page=1`, {
        headers: { authorization: `Bearer ${settings.apiToken}`, accept: 'application/json' },
      });
      const items = body.results.map((r, index) => {
        const title = r.title ?? r.name ?? '';
        const original = r.original_title ?? r.original_name ?? null;
        return {
          id: `tmdb:${r.id}`,
          title,
          subtitle: original && original !== title ? original : null,
          image: r.poster_path ? `${IMAGE_BASE}${r.poster_path}` : null,
          releaseDate: isoDate(r.release_date ?? r.first_air_date),
          releaseDatePrecision: dayPrecision(isoDate(r.release_date ?? r.first_air_date)),
          rank: index + 1,
          score: r.vote_average ?? null,
          url: `https://www.themoviedb.org/${feed.category}/${r.id}`,
          category: feed.category ?? 'movie',
        };
      });
      return { items, totalResults: body.total_results ?? items.length };
    },
  };
}
