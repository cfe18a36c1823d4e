import { logger } from 'firebase-functions';
import { PostgresProviderLimits } from '../discovery/providerLimits';
import { createProviders } from '../discovery/providers';
import { CACHE_MODES, DiscoveryService, type CacheMode } from '../discovery/service';
import { getDatabase } from './database';
import {
  CACHE_MODE,
  DEEZER_BASE_URL,
  DISCOVERY_MAX_RETRY_AFTER_SECONDS,
  DISCOVERY_STATS_FLUSH_SECONDS,
  DISCOVERY_UPSTREAM_TIMEOUT_MS,
  IGDB_BASE_URL,
  IGDB_CLIENT_ID,
  IGDB_CLIENT_SECRET,
  ITUNES_BASE_URL,
  ITUNES_COUNTRY,
  JIKAN_BASE_URL,
  RAWG_API_KEY,
  RAWG_BASE_URL,
  TMDB_API_TOKEN,
  TMDB_BASE_URL,
  TWITCH_TOKEN_URL,
} from './params';

// One service per instance, built inside the first request (where params and secrets have values):
// its single-flight map, provider rate limiters, IGDB token and hit counters live as long as the instance.
let service: DiscoveryService | undefined;

export function discoveryService(): DiscoveryService {
  if (service) return service;
  const mode = CACHE_MODE.value();
  if (!CACHE_MODES.includes(mode as CacheMode)) throw new Error(`CACHE_MODE must be one of ${CACHE_MODES.join(', ')}, not "${mode}"`);
  const db = getDatabase();
  // Provider spacing, blocks and IGDB's token are shared by every instance through Postgres.
  const shared = new PostgresProviderLimits(db);
  service = new DiscoveryService({
    db,
    mode: mode as CacheMode,
    statsFlushIntervalMs: DISCOVERY_STATS_FLUSH_SECONDS.value() * 1000,
    log: (entry) => logger.info(String(entry.event ?? 'discovery'), entry),
    providers: createProviders({
      timeoutMs: DISCOVERY_UPSTREAM_TIMEOUT_MS.value(),
      maxRetryAfterSeconds: DISCOVERY_MAX_RETRY_AFTER_SECONDS.value(),
      limits: shared,
      tokens: shared,
      tmdb: { baseUrl: TMDB_BASE_URL.value(), apiToken: TMDB_API_TOKEN.value() },
      jikan: { baseUrl: JIKAN_BASE_URL.value() },
      rawg: { baseUrl: RAWG_BASE_URL.value(), apiKey: RAWG_API_KEY.value() },
      igdb: { baseUrl: IGDB_BASE_URL.value(), tokenUrl: TWITCH_TOKEN_URL.value(), clientId: IGDB_CLIENT_ID.value(), clientSecret: IGDB_CLIENT_SECRET.value() },
      deezer: { baseUrl: DEEZER_BASE_URL.value() },
      itunes: { baseUrl: ITUNES_BASE_URL.value(), country: ITUNES_COUNTRY.value() },
    }),
  });
  return service;
}
