import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProvidersConfig } from '../../src/discovery/providers';

// One local HTTP server speaking like TMDB, Jikan, RAWG, IGDB (+ Twitch OAuth), Deezer and the
// iTunes charts feed, with faults a test can inject. Paths are prefixed by the provider name.

export const FIXTURE_CREDENTIALS = {
  tmdbToken: 'test-tmdb-token',
  rawgKey: 'test-rawg-key',
  igdbClientId: 'test-igdb-client',
  igdbClientSecret: 'test-igdb-secret',
};

export type Fault =
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'hang' }
  | { kind: 'malformed' }
  | { kind: 'deezer-quota' };

export type FixtureCall = { service: string; method: string; path: string; at: number; authorization?: string; body: string };

type Service = 'tmdb' | 'jikan' | 'rawg' | 'igdb' | 'twitch' | 'deezer' | 'itunes';

export class ProviderFixtures {
  readonly calls: FixtureCall[] = [];
  /** Items per list; titles carry a generation number so a refresh is visible. */
  itemsPerList = 5;
  generation = 1;
  tokenExpiresIn = 3600;
  private faults = new Map<Service, Fault[]>();
  private delays = new Map<Service, number>();
  private tokensIssued = 0;

  private constructor(private readonly server: http.Server) {}

  static async start(port = 0): Promise<ProviderFixtures> {
    const server = http.createServer();
    const fixtures = new ProviderFixtures(server);
    server.on('request', (request, response) => void fixtures.handle(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return fixtures;
  }

  get origin(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  url(service: Service): string {
    return service === 'twitch' ? `${this.origin}/twitch/oauth2/token` : `${this.origin}/${service}`;
  }

  /** The next `times` requests to this service get the fault (default: every request until reset). */
  fail(service: Service, fault: Fault, times = Number.POSITIVE_INFINITY): void {
    this.faults.set(service, Array.from({ length: Math.min(times, 1000) }, () => fault));
  }

  delay(service: Service, ms: number): void {
    this.delays.set(service, ms);
  }

  count(service: Service, pathPrefix = ''): number {
    return this.calls.filter((call) => call.service === service && call.path.startsWith(pathPrefix)).length;
  }

  reset(): void {
    this.calls.length = 0;
    this.faults.clear();
    this.delays.clear();
    this.generation = 1;
    this.itemsPerList = 5;
    this.tokenExpiresIn = 3600;
    this.tokensIssued = 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Settings for createProviders pointing every provider at this server. */
  providersConfig(overrides: Partial<ProvidersConfig> = {}): ProvidersConfig {
    return {
      timeoutMs: 500,
      maxRetryAfterSeconds: 2,
      tmdb: { baseUrl: this.url('tmdb'), apiToken: FIXTURE_CREDENTIALS.tmdbToken },
      jikan: { baseUrl: this.url('jikan') },
      rawg: { baseUrl: this.url('rawg'), apiKey: FIXTURE_CREDENTIALS.rawgKey },
      igdb: { baseUrl: this.url('igdb'), tokenUrl: this.url('twitch'), clientId: FIXTURE_CREDENTIALS.igdbClientId, clientSecret: FIXTURE_CREDENTIALS.igdbClientSecret },
      deezer: { baseUrl: this.url('deezer') },
      itunes: { baseUrl: this.url('itunes'), country: 'us' },
      ...overrides,
    };
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.origin);
    const [, service, ...rest] = url.pathname.split('/');
    const path = `/${rest.join('/')}${url.search}`;
    let body = '';
    for await (const chunk of request) body += chunk;
    this.calls.push({ service: service!, method: request.method ?? 'GET', path, at: Date.now(), authorization: request.headers.authorization, body });

    const delay = this.delays.get(service as Service);
    if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
    const fault = this.faults.get(service as Service)?.shift();
    if (fault) {
      if (fault.kind === 'hang') return; // never answers; the client's timeout must fire
      if (fault.kind === 'malformed') return this.send(response, 200, '{"results": [{"id": 1, "title": "cut off', true);
      if (fault.kind === 'deezer-quota') return this.send(response, 200, { error: { type: 'Exception', message: 'Quota limit exceeded', code: 4 } });
      return this.send(response, fault.status, fault.body ?? { message: `fixture ${fault.status}` }, false, fault.headers);
    }
    switch (service) {
      case 'tmdb':
        return this.tmdb(request, response, url);
      case 'jikan':
        return this.send(response, 200, this.jikan(url));
      case 'rawg':
        if (url.searchParams.get('key') !== FIXTURE_CREDENTIALS.rawgKey) return this.send(response, 401, { error: 'The key parameter is not provided' });
        return this.send(response, 200, this.rawg());
      case 'twitch':
        return this.twitch(response, url);
      case 'igdb':
        return this.igdb(request, response);
      case 'deezer':
        return this.send(response, 200, this.deezer(url));
      case 'itunes':
        return this.send(response, 200, this.itunes(url));
      default:
        return this.send(response, 404, { message: 'no such fixture' });
    }
  }

  private send(response: http.ServerResponse, status: number, body: unknown, raw = false, headers: Record<string, string> = {}): void {
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    response.end(raw ? String(body) : JSON.stringify(body));
  }

  private range<T>(make: (i: number) => T): T[] {
    return Array.from({ length: this.itemsPerList }, (_, i) => make(i + 1));
  }

  private tmdb(request: http.IncomingMessage, response: http.ServerResponse, url: URL): void {
    if (request.headers.authorization !== `Bearer ${FIXTURE_CREDENTIALS.tmdbToken}`) {
      return this.send(response, 401, { status_code: 7, status_message: 'Invalid API key: You must be granted a valid key.', success: false });
    }
    const tv = url.pathname.includes('/tv');
    const g = this.generation;
    const results = this.range((i) => ({
      adult: false,
      backdrop_path: `/b${i}.jpg`,
      id: 1000 + i,
      ...(tv
        ? { name: `Show ${i} g${g}`, original_name: `Série ${i}`, first_air_date: `2024-0${(i % 9) + 1}-1${i % 10}` }
        : { title: `Movie ${i} g${g}`, original_title: `Movie ${i} g${g}`, release_date: `2023-0${(i % 9) + 1}-0${(i % 9) + 1}` }),
      overview: 'An overview.',
      poster_path: `/p${i}.jpg`,
      media_type: tv ? 'tv' : 'movie',
      original_language: 'en',
      genre_ids: [28, 12],
      popularity: 500 - i,
      vote_average: 8 - i / 10,
      vote_count: 1000 + i,
    }));
    this.send(response, 200, { page: 1, results, total_pages: 500, total_results: 10_000 });
  }

  private jikan(url: URL) {
    const g = this.generation;
    const data = this.range((i) => ({
      mal_id: 50_000 + i,
      url: `https://myanimelist.net/anime/${50_000 + i}/`,
      images: { jpg: { image_url: `https://cdn.myanimelist.net/images/anime/${i}.jpg`, small_image_url: null, large_image_url: `https://cdn.myanimelist.net/images/anime/${i}l.jpg` } },
      title: `Anime ${i} g${g}`,
      title_english: i % 2 === 0 ? `English Anime ${i} g${g}` : null,
      title_japanese: 'アニメ',
      type: 'TV',
      episodes: 12,
      status: url.pathname.includes('upcoming') ? 'Not yet aired' : 'Currently Airing',
      aired: { from: `2024-04-0${i}T00:00:00+00:00`, to: null, string: 'Apr 2024 to ?' },
      score: 9 - i / 10,
      rank: i,
      popularity: i * 10,
      year: 2024,
    }));
    return { pagination: { last_visible_page: 1, has_next_page: false, current_page: 1, items: { count: data.length, total: 250, per_page: 25 } }, data };
  }

  private rawg() {
    const g = this.generation;
    return {
      count: 880_000,
      next: 'https://api.rawg.io/api/games?page=2',
      previous: null,
      results: this.range((i) => ({
        id: 3000 + i,
        slug: `game-${i}`,
        name: `Game ${i} g${g}`,
        released: `2024-1${i % 3}-0${i}`,
        tba: false,
        background_image: `https://media.rawg.io/media/games/${i}.jpg`,
        rating: 4.5 - i / 10,
        rating_top: 5,
        metacritic: 90 - i,
        added: 10_000 - i,
        genres: [{ id: 4, name: 'Action', slug: 'action' }, { id: 3, name: 'Adventure', slug: 'adventure' }],
      })),
    };
  }

  private twitch(response: http.ServerResponse, url: URL): void {
    const ok =
      url.searchParams.get('client_id') === FIXTURE_CREDENTIALS.igdbClientId &&
      url.searchParams.get('client_secret') === FIXTURE_CREDENTIALS.igdbClientSecret &&
      url.searchParams.get('grant_type') === 'client_credentials';
    if (!ok) return this.send(response, 403, { status: 403, message: 'invalid client secret' });
    this.tokensIssued += 1;
    this.send(response, 200, { access_token: `token-${this.tokensIssued}`, expires_in: this.tokenExpiresIn, token_type: 'bearer' });
  }

  /** The newest issued token is the only valid one (an older one is "revoked"). */
  private igdb(request: http.IncomingMessage, response: http.ServerResponse): void {
    if (request.headers['client-id'] !== FIXTURE_CREDENTIALS.igdbClientId || request.headers.authorization !== `Bearer token-${this.tokensIssued}`) {
      return this.send(response, 401, { message: 'Authorization Failure. Have you tried:', Tip: 'Check your Client-ID and bearer token', Docs: 'https://api-docs.igdb.com/#authentication' });
    }
    const g = this.generation;
    this.send(
      response,
      200,
      this.range((i) => ({
        id: 7000 + i,
        name: `IGDB Game ${i} g${g}`,
        cover: { id: i, image_id: `co${i}abc` },
        first_release_date: 1_700_000_000 + i * 86_400,
        total_rating: 90 - i,
        url: `https://www.igdb.com/games/igdb-game-${i}`,
        genres: [{ id: 12, name: 'Role-playing (RPG)' }],
      })),
    );
  }

  /** Revokes every token issued so far (IGDB answers 401 until a new one is fetched). */
  revokeTokens(): void {
    this.tokensIssued += 1000;
  }

  private deezer(url: URL) {
    const kind = url.pathname.split('/').pop();
    const g = this.generation;
    const data = this.range((i) =>
      kind === 'artists'
        ? { id: 100 + i, name: `Artist ${i} g${g}`, link: `https://www.deezer.com/artist/${100 + i}`, picture_medium: `https://e-cdns-images.dzcdn.net/a${i}.jpg`, position: i, type: 'artist' }
        : kind === 'albums'
          ? { id: 200 + i, title: `Album ${i} g${g}`, link: `https://www.deezer.com/album/${200 + i}`, cover_medium: `https://e-cdns-images.dzcdn.net/c${i}.jpg`, position: i, artist: { id: 100 + i, name: `Artist ${i}`, type: 'artist' }, type: 'album' }
          : {
              id: 300 + i,
              title: `Track ${i} g${g}`,
              title_short: `Track ${i}`,
              link: `https://www.deezer.com/track/${300 + i}`,
              duration: 180,
              rank: 900_000 - i,
              explicit_lyrics: false,
              position: i,
              artist: { id: 100 + i, name: `Artist ${i}`, type: 'artist' },
              album: { id: 200 + i, title: `Album ${i}`, cover_medium: `https://e-cdns-images.dzcdn.net/c${i}.jpg`, type: 'album' },
              type: 'track',
            },
    );
    return { data, total: data.length };
  }

  private itunes(url: URL) {
    const g = this.generation;
    const kind = url.pathname.endsWith('albums.json') ? 'albums' : 'songs';
    return {
      feed: {
        title: kind === 'songs' ? 'Top Songs' : 'Top Albums',
        id: `https://rss.applemarketingtools.com${url.pathname}`,
        author: { name: 'Apple', url: 'https://www.apple.com/' },
        country: 'us',
        updated: 'Fri, 22 Nov 2024 12:00:00 +0000',
        results: this.range((i) => ({
          artistName: `Singer ${i}`,
          id: String(1_700_000_000 + i),
          name: `${kind === 'songs' ? 'Song' : 'Record'} ${i} g${g}`,
          releaseDate: `2024-10-${10 + i}`,
          kind,
          artistId: String(900 + i),
          artworkUrl100: `https://is1-ssl.mzstatic.com/image/${i}/100x100bb.jpg`,
          genres: [{ genreId: '14', name: 'Pop', url: 'https://itunes.apple.com/us/genre/id14' }],
          url: `https://music.apple.com/us/${kind === 'songs' ? 'song' : 'album'}/${1_700_000_000 + i}`,
        })),
      },
    };
  }
}
