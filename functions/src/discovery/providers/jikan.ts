import { z } from 'zod';
import type { Catalogue, DatePrecision, DiscoveryProvider, Feed, FeedResult } from '../types';
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

const datePartsSchema = z.object({ day: z.number().nullish(), month: z.number().nullish(), year: z.number().nullish() }).partial().nullish();
const periodSchema = z
  .object({ from: z.string().nullish(), string: z.string().nullish(), prop: z.object({ from: datePartsSchema }).partial().nullish() })
  .nullish();
type Period = z.infer<typeof periodSchema>;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Jikan sends the 1st of January (or of the month) in `from` when MyAnimeList knows only the
 * year (or month): "2026 to ?" vs "Jan 2026" vs "Jan 12, 2026" in `string` is what tells them
 * apart (jikan-me/jikan#486). Returns the known part, as its first day, and how precise it is.
 */
export function jikanDate(period: Period): { releaseDate: string | null; releaseDatePrecision: DatePrecision | null } {
  const from = isoDate(period?.from);
  const text = period?.string?.trim() ?? '';
  const start = text.split(' to ')[0]!.trim();
  let precision: DatePrecision | null;
  let year: number | undefined;
  let month: number | undefined;
  let match: RegExpExecArray | null;
  if ((match = /^([A-Z][a-z]{2}) (\d{1,2}), (\d{4})$/.exec(start))) {
    precision = 'day';
  } else if ((match = /^([A-Z][a-z]{2}) (\d{4})$/.exec(start))) {
    precision = 'month';
    month = MONTHS.indexOf(match[1]!) + 1;
    year = Number(match[2]);
  } else if ((match = /^(\d{4})$/.exec(start))) {
    precision = 'year';
    year = Number(match[1]);
  } else if (!text && from) {
    // No text to judge by: trust the structured parts, whose nulls say what is unknown.
    const parts = period?.prop?.from;
    precision = parts?.day ? 'day' : parts?.month ? 'month' : parts?.year ? 'year' : 'day';
  } else {
    // "Not available", "?" or a shape we do not know: no date rather than an invented one.
    return { releaseDate: null, releaseDatePrecision: null };
  }
  if (precision === 'day') return from ? { releaseDate: from, releaseDatePrecision: 'day' } : { releaseDate: null, releaseDatePrecision: null };
  year ??= from ? Number(from.slice(0, 4)) : undefined;
  month ??= precision === 'month' && from ? Number(from.slice(5, 7)) : 1;
  if (!year || month < 1) return { releaseDate: null, releaseDatePrecision: null };
  return { releaseDate: `${year}-${String(precision === 'year' ? 1 : month).padStart(2, '0')}-01`, releaseDatePrecision: precision };
}

const listSchema = z.object({
  data: z.array(
    z.object({
      mal_id: z.number(),
      url: z.string().nullish(),
      images: z.object({ jpg: z.object({ image_url: z.string().nullish(), large_image_url: z.string().nullish() }).partial().optional() }).partial().nullish(),
      title: z.string(),
      title_english: z.string().nullish(),
      score: z.number().nullish(),
      aired: periodSchema,
      published: periodSchema,
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
        ...jikanDate(r.aired ?? r.published),
        rank: index + 1,
        score: r.score ?? null,
        url: r.url ?? null,
        category,
      }));
      return { items, totalResults: body.pagination?.items?.total ?? items.length };
    },
  };
}
