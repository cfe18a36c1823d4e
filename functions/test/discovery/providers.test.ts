import { UpstreamError, ProviderNotConfiguredError } from '../../src/discovery/errors';
import { createProviders } from '../../src/discovery/providers';
import { JIKAN_MIN_INTERVAL_MS } from '../../src/discovery/providers/jikan';
import type { DiscoveryItem, Feed } from '../../src/discovery/types';
import { parseRetryAfter } from '../../src/discovery/upstream';
import { ProviderFixtures } from '../support/providerFixtures';

let fixtures: ProviderFixtures;
beforeAll(async () => {
  fixtures = await ProviderFixtures.start();
});
beforeEach(() => fixtures.reset());
afterAll(() => fixtures.close());

const feed = (provider: Feed['provider'], endpoint: Feed['endpoint'], category: string, period: string | null = null): Feed => ({ provider, endpoint, category, period });

const nullOr = (value: unknown, check: (v: unknown) => boolean) => value === null || check(value);
const isString = (v: unknown) => typeof v === 'string' && v.length > 0;
const isHttps = (v: unknown) => typeof v === 'string' && v.startsWith('https://');

function expectItemShape(item: DiscoveryItem | undefined, category: string) {
  expect(Object.keys(item ?? {}).sort()).toEqual(['category', 'id', 'image', 'rank', 'releaseDate', 'releaseDatePrecision', 'score', 'subtitle', 'title', 'url']);
  expect(item!.id).toMatch(/^[a-z]+:\d+$/);
  expect(isString(item!.title)).toBe(true);
  expect(nullOr(item!.subtitle, isString)).toBe(true);
  expect(nullOr(item!.image, isHttps)).toBe(true);
  expect(nullOr(item!.releaseDate, (v) => /^\d{4}-\d{2}-\d{2}$/.test(String(v)))).toBe(true);
  expect(item!.rank).toBe(1);
  expect(nullOr(item!.score, (v) => typeof v === 'number')).toBe(true);
  expect(nullOr(item!.url, isHttps)).toBe(true);
  expect(item!.category).toBe(category);
}

describe('providers', () => {
  test('every provider normalizes its real response shape to the one item shape', async () => {
    const providers = createProviders(fixtures.providersConfig());
    const cases: Array<[Feed, string, Partial<DiscoveryItem>]> = [
      [feed('tmdb', 'trending', 'movie', 'week'), 'movie', { id: 'tmdb:1001', title: 'Movie 1 g1', image: 'https://image.tmdb.org/t/p/w500/p1.jpg', url: 'https://www.themoviedb.org/movie/1001' }],
      [feed('tmdb', 'popular', 'tv'), 'tv', { title: 'Show 1 g1', subtitle: 'Série 1' }],
      [feed('jikan', 'trending', 'anime'), 'anime', { id: 'jikan:50001', title: 'Anime 1 g1', releaseDate: '2024-04-01' }],
      [feed('jikan', 'schedule', 'friday'), 'anime', { id: 'jikan:50001' }],
      [feed('rawg', 'popular', 'game'), 'game', { id: 'rawg:3001', subtitle: 'Action, Adventure', url: 'https://rawg.io/games/game-1' }],
      [feed('igdb', 'upcoming', 'game'), 'game', { id: 'igdb:7001', image: 'https://images.igdb.com/igdb/image/upload/t_cover_big/co1abc.jpg', releaseDate: '2023-11-15' }],
      [feed('deezer', 'charts', 'tracks'), 'tracks', { id: 'deezer:301', title: 'Track 1 g1', subtitle: 'Artist 1', score: 899_999 }],
      [feed('itunes', 'charts', 'songs'), 'songs', { id: 'itunes:1700000001', subtitle: 'Singer 1', releaseDate: '2024-10-11' }],
    ];
    for (const [wanted, category, expected] of cases) {
      const result = await providers[wanted.provider].fetchFeed(wanted);
      expect(result.items).toHaveLength(5);
      expectItemShape(result.items[0], category);
      expect(result.items[0]).toMatchObject(expected);
      expect(result.items.map((item) => item.rank)).toEqual([1, 2, 3, 4, 5]);
    }
    expect(fixtures.calls.find((c) => c.service === 'tmdb')?.path).toBe('/trending/movie/week?language=en-US&page=1');
    expect(fixtures.calls.find((c) => c.service === 'jikan')?.path).toBe('/top/anime?filter=airing');
    expect(fixtures.calls.find((c) => c.service === 'igdb')?.body).toMatch(/where first_release_date > \d+; sort hypes desc; limit 20;/);
  });

  test('IGDB fetches one Twitch token for concurrent requests and reuses it until it expires', async () => {
    let now = Date.parse('2025-01-01T00:00:00Z');
    const providers = createProviders(fixtures.providersConfig({ now: () => now }));
    await Promise.all([providers.igdb.fetchFeed(feed('igdb', 'popular', 'game')), providers.igdb.fetchFeed(feed('igdb', 'upcoming', 'game'))]);
    await providers.igdb.fetchFeed(feed('igdb', 'trending', 'game'));
    expect(fixtures.count('twitch')).toBe(1);
    expect(fixtures.count('igdb')).toBe(3);

    now += 3600 * 1000; // past expires_in
    await providers.igdb.fetchFeed(feed('igdb', 'popular', 'game'));
    expect(fixtures.count('twitch')).toBe(2);
    expect(fixtures.calls.filter((c) => c.service === 'igdb').at(-1)?.authorization).toBe('Bearer token-2');
  });

  test('IGDB answering 401 to a revoked token gets one new token and succeeds', async () => {
    const providers = createProviders(fixtures.providersConfig());
    await providers.igdb.fetchFeed(feed('igdb', 'popular', 'game'));
    fixtures.revokeTokens();
    const result = await providers.igdb.fetchFeed(feed('igdb', 'popular', 'game'));
    expect(result.items).toHaveLength(5);
    expect(fixtures.count('twitch')).toBe(2);
  });

  test('a 429 with a short Retry-After is waited out and retried', async () => {
    const providers = createProviders(fixtures.providersConfig());
    fixtures.fail('tmdb', { kind: 'status', status: 429, headers: { 'retry-after': '1' }, body: { status_code: 25, status_message: 'Your request count (41) is over the allowed limit of 40.' } }, 1);
    const started = Date.now();
    const result = await providers.tmdb.fetchFeed(feed('tmdb', 'popular', 'movie'));
    expect(result.items).toHaveLength(5);
    expect(fixtures.count('tmdb')).toBe(2);
    expect(fixtures.calls[1]!.at - fixtures.calls[0]!.at).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  test('a 429 with a long Retry-After pauses the provider: later calls fail fast without a request', async () => {
    const providers = createProviders(fixtures.providersConfig());
    fixtures.fail('jikan', { kind: 'status', status: 429, headers: { 'retry-after': '120' }, body: { status: 429, type: 'RateLimitException', message: 'You are being rate limited', error: null } }, 1);
    await expect(providers.jikan.fetchFeed(feed('jikan', 'popular', 'anime'))).rejects.toMatchObject({ failure: 'rate-limited', retryAfterSeconds: 120 });
    await expect(providers.jikan.fetchFeed(feed('jikan', 'popular', 'manga'))).rejects.toMatchObject({ failure: 'rate-limited' });
    expect(fixtures.count('jikan')).toBe(1);
  });

  test('500, malformed JSON, a wrong shape and a hung connection become typed upstream errors', async () => {
    const providers = createProviders(fixtures.providersConfig());
    fixtures.fail('rawg', { kind: 'status', status: 500, body: { detail: 'Internal server error' } }, 1);
    await expect(providers.rawg.fetchFeed(feed('rawg', 'popular', 'game'))).rejects.toMatchObject({ name: 'UpstreamError', failure: 'http', status: 500 });
    fixtures.fail('tmdb', { kind: 'malformed' }, 1);
    await expect(providers.tmdb.fetchFeed(feed('tmdb', 'popular', 'movie'))).rejects.toMatchObject({ failure: 'malformed' });
    fixtures.fail('itunes', { kind: 'status', status: 200, body: { feed: { results: 'nope' } } }, 1);
    await expect(providers.itunes.fetchFeed(feed('itunes', 'charts', 'songs'))).rejects.toMatchObject({ failure: 'malformed' });
    fixtures.fail('deezer', { kind: 'hang' }, 1);
    const started = Date.now();
    await expect(providers.deezer.fetchFeed(feed('deezer', 'charts', 'tracks'))).rejects.toMatchObject({ failure: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test("Deezer's quota error inside a 200 body is a rate limit, and its error bodies are not lists", async () => {
    const providers = createProviders(fixtures.providersConfig());
    fixtures.fail('deezer', { kind: 'deezer-quota' }, 1);
    const error = await providers.deezer.fetchFeed(feed('deezer', 'charts', 'albums')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ failure: 'rate-limited', retryAfterSeconds: 5 });
  });

  test('Jikan requests are spaced to about 3 a second', async () => {
    const providers = createProviders(fixtures.providersConfig());
    await Promise.all(['anime', 'manga', 'anime', 'manga', 'anime'].map((category) => providers.jikan.fetchFeed(feed('jikan', 'popular', category))));
    const times = fixtures.calls.filter((c) => c.service === 'jikan').map((c) => c.at);
    expect(times).toHaveLength(5);
    for (let i = 1; i < times.length; i += 1) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(JIKAN_MIN_INTERVAL_MS - 20);
  });

  test('a provider whose key is missing or "none" is unconfigured and makes no request', async () => {
    const providers = createProviders(
      fixtures.providersConfig({
        tmdb: { baseUrl: fixtures.url('tmdb'), apiToken: 'none' },
        rawg: { baseUrl: fixtures.url('rawg'), apiKey: '' },
        igdb: { baseUrl: fixtures.url('igdb'), tokenUrl: fixtures.url('twitch'), clientId: 'id', clientSecret: undefined },
      }),
    );
    expect([providers.tmdb.configured(), providers.rawg.configured(), providers.igdb.configured(), providers.jikan.configured()]).toEqual([false, false, false, true]);
    await expect(providers.tmdb.fetchFeed(feed('tmdb', 'popular', 'movie'))).rejects.toBeInstanceOf(ProviderNotConfiguredError);
    await expect(providers.igdb.fetchFeed(feed('igdb', 'popular', 'game'))).rejects.toThrow('igdb is not configured (set IGDB_CLIENT_SECRET)');
    expect(fixtures.calls).toHaveLength(0);
  });

  test('Retry-After is read as seconds or as an HTTP date', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});
