import { z } from 'zod';
import { ProviderNotConfiguredError, UpstreamError } from '../errors';
import type { Catalogue, DiscoveryProvider, Feed, FeedResult } from '../types';
import type { ProviderLimits, TokenStore } from '../providerLimits';
import { UpstreamClient, type UpstreamSettings } from '../upstream';
import { isSet } from './credentials';

export const IGDB_DEFAULT_BASE_URL = 'https://api.igdb.com/v4';
export const TWITCH_DEFAULT_TOKEN_URL = 'https://id.twitch.tv/oauth2/token';
// Renew a little before Twitch says the token expires, so no request carries a dying token.
const TOKEN_EARLY_RENEWAL_MS = 60_000;

const catalogue: Catalogue = {
  trending: { categories: ['game'] },
  popular: { categories: ['game'] },
  upcoming: { categories: ['game'] },
};

const tokenSchema = z.object({ access_token: z.string().min(1), expires_in: z.number().positive(), token_type: z.string().optional() });

const gamesSchema = z.array(
  z.object({
    id: z.number(),
    name: z.string(),
    cover: z.object({ image_id: z.string().optional() }).nullish(),
    first_release_date: z.number().nullish(),
    total_rating: z.number().nullish(),
    url: z.string().nullish(),
    genres: z.array(z.object({ name: z.string() })).nullish(),
  }),
);

const FIELDS = 'fields name,cover.image_id,first_release_date,total_rating,url,genres.name;';

function apicalypse(feed: Feed, nowSeconds: number): string {
  switch (feed.endpoint) {
    case 'trending':
      return `${FIELDS} where first_release_date > ${nowSeconds - 90 * 86_400} & first_release_date <= ${nowSeconds}; sort total_rating_count desc; limit 20;`;
    case 'upcoming':
      return `${FIELDS} where first_release_date > ${nowSeconds}; sort hypes desc; limit 20;`;
    default:
      return `${FIELDS} where total_rating_count > 100; sort total_rating_count desc; limit 20;`;
  }
}

type IgdbSettings = UpstreamSettings & {
  tokenUrl: string;
  clientId: string | undefined;
  clientSecret: string | undefined;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  limits?: ProviderLimits;
  /** Shared token store: one token for all instances instead of one each. */
  tokens?: TokenStore;
};

/** IGDB through a Twitch client-credentials token, fetched once and reused until it expires. */
export function createIgdbProvider(settings: IgdbSettings): DiscoveryProvider {
  // IGDB allows 4 requests a second.
  const client = new UpstreamClient({ ...settings, provider: 'igdb', minIntervalMs: 250 });
  const now = settings.now ?? Date.now;
  let token: { value: string; expiresAt: number } | undefined;
  let pendingToken: Promise<string> | undefined;

  async function accessToken(): Promise<string> {
    if (token && token.expiresAt > now()) return token.value;
    // Concurrent refreshes share one token request.
    pendingToken ??= (async () => {
      const shared = await settings.tokens?.get('igdb', TOKEN_EARLY_RENEWAL_MS);
      if (shared) {
        token = { value: shared.token, expiresAt: now() + shared.expiresInMs - TOKEN_EARLY_RENEWAL_MS };
        return shared.token;
      }
      const url = `${settings.tokenUrl}?client_id=${encodeURIComponent(settings.clientId!)}&client_secret=${encodeURIComponent(settings.clientSecret!)}&grant_type=client_credentials`;
      const body = await client.json(tokenSchema, url, { method: 'POST' });
      token = { value: body.access_token, expiresAt: now() + body.expires_in * 1000 - TOKEN_EARLY_RENEWAL_MS };
      await settings.tokens?.put('igdb', body.access_token, body.expires_in * 1000);
      return body.access_token;
    })().finally(() => {
      pendingToken = undefined;
    });
    return pendingToken;
  }

  async function games(body: string) {
    for (let attempt = 0; ; attempt += 1) {
      const bearer = await accessToken();
      try {
        return await client.json(gamesSchema, `${client.baseUrl}/games`, {
          method: 'POST',
          headers: { 'client-id': settings.clientId!, authorization: `Bearer ${bearer}`, accept: 'application/json', 'content-type': 'text/plain' },
          body,
        });
      } catch (error) {
        // A token revoked before its announced expiry: fetch a new one, once.
        if (attempt === 0 && error instanceof UpstreamError && error.status === 401) {
          token = undefined;
          // The shared copy may be the same revoked token: forget it too (not a newer one).
          await settings.tokens?.drop('igdb', bearer);
          continue;
        }
        throw error;
      }
    }
  }

  return {
    name: 'igdb',
    catalogue,
    configured: () => isSet(settings.clientId) && isSet(settings.clientSecret),
    async fetchFeed(feed): Promise<FeedResult> {
      if (!isSet(settings.clientId) || !isSet(settings.clientSecret)) {
        throw new ProviderNotConfiguredError('igdb', ['IGDB_CLIENT_ID', 'IGDB_CLIENT_SECRET'].filter((_, i) => !isSet(i === 0 ? settings.clientId : settings.clientSecret)));
      }
      const rows = await games(apicalypse(feed, Math.floor(now() / 1000)));
      const items = rows.map((r, index) => ({
        id: `igdb:${r.id}`,
        title: r.name,
        subtitle: r.genres?.map((g) => g.name).join(', ') || null,
        image: r.cover?.image_id ? `https://images.igdb.com/igdb/image/upload/t_cover_big/${r.cover.image_id}.jpg` : null,
        releaseDate: r.first_release_date ? new Date(r.first_release_date * 1000).toISOString().slice(0, 10) : null,
        releaseDatePrecision: r.first_release_date ? ('day' as const) : null,
        rank: index + 1,
        score: r.total_rating ?? null,
        url: r.url ?? null,
        category: 'game',
      }));
      return { items, totalResults: items.length };
    },
  };
}
