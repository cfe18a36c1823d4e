import type { DiscoveryProvider, ProviderName } from '../types';
import type { ProviderLimits, TokenStore } from '../providerLimits';
import type { UpstreamSettings } from '../upstream';
import { createDeezerProvider } from './deezer';
import { createIgdbProvider } from './igdb';
import { createItunesProvider } from './itunes';
import { createJikanProvider } from './jikan';
import { createRawgProvider } from './rawg';
import { createTmdbProvider } from './tmdb';

type Common = Omit<UpstreamSettings, 'baseUrl'> & {
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Shared spacing and blocks (Postgres in production); each client's own memory when absent. */
  limits?: ProviderLimits;
};

export type ProvidersConfig = Common & {
  /** Where IGDB's token lives (Postgres in production, shared by instances); memory when absent. */
  tokens?: TokenStore;
  tmdb: { baseUrl: string; apiToken: string | undefined };
  jikan: { baseUrl: string };
  rawg: { baseUrl: string; apiKey: string | undefined };
  igdb: { baseUrl: string; tokenUrl: string; clientId: string | undefined; clientSecret: string | undefined };
  deezer: { baseUrl: string };
  itunes: { baseUrl: string; country: string };
};

export type Providers = Record<ProviderName, DiscoveryProvider>;

export function createProviders(config: ProvidersConfig): Providers {
  const common: Common = { timeoutMs: config.timeoutMs, maxRetryAfterSeconds: config.maxRetryAfterSeconds, sleep: config.sleep, now: config.now, limits: config.limits };
  return {
    tmdb: createTmdbProvider({ ...common, ...config.tmdb }),
    jikan: createJikanProvider({ ...common, ...config.jikan }),
    rawg: createRawgProvider({ ...common, ...config.rawg }),
    igdb: createIgdbProvider({ ...common, ...config.igdb, tokens: config.tokens }),
    deezer: createDeezerProvider({ ...common, ...config.deezer }),
    itunes: createItunesProvider({ ...common, ...config.itunes }),
  };
}
