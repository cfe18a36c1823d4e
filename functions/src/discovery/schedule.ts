// Seed 003's staggered refresh, as data: every scheduled function is generated from this table.
import { cacheKey } from './cacheKey';
import type { Endpoint, Feed, ProviderName } from './types';

/** How long a list stays fresh (seed 003): daily lists 24 h, upcoming 6 h. */
export const TTL_HOURS: Record<Endpoint, number> = { trending: 24, popular: 24, charts: 24, upcoming: 6, schedule: 24 };

type Row = [provider: ProviderName, endpoint: Endpoint, times: string[], feeds: Array<[category: string, period?: string]>];

const ROWS: Row[] = [
  ['tmdb', 'trending', ['02:00'], [['movie', 'week'], ['tv', 'week'], ['movie', 'day'], ['tv', 'day']]],
  ['jikan', 'trending', ['02:30'], [['anime'], ['manga']]],
  ['rawg', 'trending', ['03:00'], [['game']]],
  ['igdb', 'trending', ['03:30'], [['game']]],
  ['tmdb', 'popular', ['03:00'], [['movie'], ['tv']]],
  ['jikan', 'popular', ['03:30'], [['anime'], ['manga']]],
  ['rawg', 'popular', ['04:00'], [['game']]],
  ['igdb', 'popular', ['04:30'], [['game']]],
  ['deezer', 'charts', ['04:00'], [['tracks'], ['albums'], ['artists']]],
  ['itunes', 'charts', ['04:30'], [['songs'], ['albums']]],
  ['tmdb', 'upcoming', ['00:00', '06:00', '12:00', '18:00'], [['movie'], ['tv']]],
  ['jikan', 'upcoming', ['01:00', '07:00', '13:00', '19:00'], [['anime']]],
  ['rawg', 'upcoming', ['02:00', '08:00', '14:00', '20:00'], [['game']]],
  ['igdb', 'upcoming', ['03:00', '09:00', '15:00', '21:00'], [['game']]],
];

export type RefreshJob = { id: string; provider: ProviderName; endpoint: Endpoint; cron: string; times: string[]; ttlHours: number; feeds: Feed[] };

/** Hourly refresh of expired rows, off the staggered slots (which all start on :00 or :30). */
export const EXPIRED_REFRESH_CRON = '45 * * * *';
export const PURGE_CRON = '0 5 * * *';
export const PURGE_AFTER_DAYS = 90;
export const EXPIRED_REFRESH_BATCH = 100;

function cronOf(times: string[]): string {
  const parsed = times.map((time) => time.split(':').map(Number) as [number, number]);
  const minutes = new Set(parsed.map(([, minute]) => minute));
  if (minutes.size !== 1) throw new Error(`schedule times ${times.join(', ')} must share their minute`);
  return `${parsed[0]![1]} ${parsed.map(([hour]) => hour).join(',')} * * *`;
}

export const REFRESH_SCHEDULE: readonly RefreshJob[] = ROWS.map(([provider, endpoint, times, feeds]) => ({
  id: `${provider}${endpoint[0]!.toUpperCase()}${endpoint.slice(1)}`,
  provider,
  endpoint,
  times,
  cron: cronOf(times),
  ttlHours: TTL_HOURS[endpoint],
  feeds: feeds.map(([category, period]) => ({ provider, endpoint, category, period: period ?? null })),
}));

export function scheduledKeys(provider?: ProviderName): string[] {
  return REFRESH_SCHEDULE.filter((job) => !provider || job.provider === provider).flatMap((job) => job.feeds.map(cacheKey));
}
